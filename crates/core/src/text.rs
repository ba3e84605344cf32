//! Text a person cannot read as it is: the characters refused in local parts, domains,
//! display names and header values, so the browser and the API refuse the same ones.
//!
//! An address or a sender name is shown to recipients and to admins. A character that
//! is invisible, that reorders what follows it, or that looks like a space lets two
//! different values look the same (Unicode TR #36 §2, "Visual Security Issues"; RFC 8264
//! §12.5 for the same concern in identifiers). Each class has its own code and the
//! message names the character (`U+202E RIGHT-TO-LEFT OVERRIDE`) and says to retype it.
//!
//! The visible sequences that need such characters are let through where they are
//! visible: a zero-width joiner or non-joiner right after a virama (RFC 5892 Appendix A.1
//! and A.2, CONTEXTJ), a zero-width joiner between two pictographs of an emoji sequence,
//! and the emoji variation selectors after an emoji (UTS #51 §1.4.3). Domains go to
//! UTS #46 with `CheckJoiners`, which judges the joiners there; every other invisible
//! character in a domain is reported here, because UTS #46 would map it away silently.
//!
//! The four ASCII whitespace characters (space, tab, CR, LF) are left to each field's own
//! rules, which have their own codes (a space around an address, a line break in a name).

use crate::report::{Code, Issues};
use icu_properties::props::{
    DefaultIgnorableCodePoint, Emoji, ExtendedPictographic, GeneralCategory,
};
use icu_properties::{CodePointMapData, CodePointSetData};

/// Where the text is used; decides which visible sequences may carry a joiner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// An address, local part and domain: a new part starts after `.`, `@` and `"`.
    Address,
    /// A domain name: a label starts after a dot; joiners are UTS #46's to judge.
    Domain,
    /// A display name: a word starts after a space.
    DisplayName,
    /// A header value.
    HeaderValue,
}

/// Why a character is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnsafeClass {
    /// A bidirectional control: reorders the text around it.
    Bidi,
    /// A zero-width or otherwise invisible character.
    Invisible,
    /// A space other than U+0020, or a line or paragraph separator.
    Space,
    /// A C0 or C1 control character.
    Control,
    /// A private-use code point: shown differently, or not at all, by each font.
    PrivateUse,
    /// A code point Unicode has not assigned (noncharacters included).
    Unassigned,
    /// U+FFFD, what an unpaired surrogate or a broken byte sequence became on the way in.
    Unreadable,
    /// A combining mark with nothing before it to combine with.
    LeadingCombiningMark,
}

impl UnsafeClass {
    /// Every class.
    pub const ALL: [UnsafeClass; 8] = [
        Self::Bidi,
        Self::Invisible,
        Self::Space,
        Self::Control,
        Self::PrivateUse,
        Self::Unassigned,
        Self::Unreadable,
        Self::LeadingCombiningMark,
    ];

    /// The catalogue code for this class.
    pub const fn code(self) -> Code {
        match self {
            Self::Bidi => Code::TextBidiControl,
            Self::Invisible => Code::TextInvisible,
            Self::Space => Code::TextUnusualSpace,
            Self::Control => Code::TextControl,
            Self::PrivateUse => Code::TextPrivateUse,
            Self::Unassigned => Code::TextUnassigned,
            Self::Unreadable => Code::TextUnreadable,
            Self::LeadingCombiningMark => Code::TextLeadingCombiningMark,
        }
    }

    /// What the class does to a reader, for the message.
    const fn effect(self) -> &'static str {
        match self {
            Self::Bidi => {
                "an invisible control that changes the order in which the text around it is shown"
            }
            Self::Invisible => {
                "an invisible character, so two different values would look the same"
            }
            Self::Space => "a character that looks like a space or a line break but is not one",
            Self::Control => "a control character, which has no visible form",
            Self::PrivateUse => {
                "a private-use character, which each font shows differently or not at all"
            }
            Self::Unassigned => "a code point Unicode has not assigned, which nothing can show",
            Self::Unreadable => {
                "the replacement character: something in the text could not be read (an unpaired surrogate or a broken byte sequence)"
            }
            Self::LeadingCombiningMark => "a combining mark with no letter before it to attach to",
        }
    }
}

/// The first character of a text that a person could not read as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsafe {
    /// The character.
    pub c: char,
    /// Its position, counted in characters from 1.
    pub position: usize,
    /// Why it is refused.
    pub class: UnsafeClass,
}

/// Bidirectional formatting characters (UAX #9 §2): embeddings, overrides, isolates and
/// the implicit marks.
const BIDI: &[(char, &str)] = &[
    ('\u{061C}', "ARABIC LETTER MARK"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', "FIRST STRONG ISOLATE"),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE"),
];

/// Names of the other characters the messages most often meet (UnicodeData.txt).
const NAMES: &[(char, &str)] = &[
    ('\u{0000}', "NULL"),
    ('\u{007F}', "DELETE"),
    ('\u{0085}', "NEXT LINE"),
    ('\u{00A0}', "NO-BREAK SPACE"),
    ('\u{00AD}', "SOFT HYPHEN"),
    ('\u{034F}', "COMBINING GRAPHEME JOINER"),
    ('\u{115F}', "HANGUL CHOSEONG FILLER"),
    ('\u{1160}', "HANGUL JUNGSEONG FILLER"),
    ('\u{1680}', "OGHAM SPACE MARK"),
    ('\u{180E}', "MONGOLIAN VOWEL SEPARATOR"),
    ('\u{2000}', "EN QUAD"),
    ('\u{2001}', "EM QUAD"),
    ('\u{2002}', "EN SPACE"),
    ('\u{2003}', "EM SPACE"),
    ('\u{2004}', "THREE-PER-EM SPACE"),
    ('\u{2005}', "FOUR-PER-EM SPACE"),
    ('\u{2006}', "SIX-PER-EM SPACE"),
    ('\u{2007}', "FIGURE SPACE"),
    ('\u{2008}', "PUNCTUATION SPACE"),
    ('\u{2009}', "THIN SPACE"),
    ('\u{200A}', "HAIR SPACE"),
    ('\u{200B}', "ZERO WIDTH SPACE"),
    ('\u{200C}', "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', "ZERO WIDTH JOINER"),
    ('\u{2028}', "LINE SEPARATOR"),
    ('\u{2029}', "PARAGRAPH SEPARATOR"),
    ('\u{202F}', "NARROW NO-BREAK SPACE"),
    ('\u{205F}', "MEDIUM MATHEMATICAL SPACE"),
    ('\u{2060}', "WORD JOINER"),
    ('\u{2061}', "FUNCTION APPLICATION"),
    ('\u{2062}', "INVISIBLE TIMES"),
    ('\u{2063}', "INVISIBLE SEPARATOR"),
    ('\u{2064}', "INVISIBLE PLUS"),
    ('\u{3000}', "IDEOGRAPHIC SPACE"),
    ('\u{3164}', "HANGUL FILLER"),
    ('\u{FE0E}', "VARIATION SELECTOR-15"),
    ('\u{FE0F}', "VARIATION SELECTOR-16"),
    ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
    ('\u{FFA0}', "HALFWIDTH HANGUL FILLER"),
    ('\u{FFFD}', "REPLACEMENT CHARACTER"),
];

/// `U+202E RIGHT-TO-LEFT OVERRIDE`, or `U+E000` when the character has no name here.
pub fn char_name(c: char) -> String {
    let name = BIDI
        .iter()
        .chain(NAMES)
        .find(|(k, _)| *k == c)
        .map(|(_, n)| *n);
    match name {
        Some(n) => format!("U+{:04X} {n}", c as u32),
        None => format!("U+{:04X}", c as u32),
    }
}

fn is_combining_mark(gc: GeneralCategory) -> bool {
    matches!(
        gc,
        GeneralCategory::NonspacingMark
            | GeneralCategory::SpacingMark
            | GeneralCategory::EnclosingMark
    )
}

/// True where a part of the text starts, so a combining mark there has nothing to
/// attach to.
fn starts_part(prev: Option<char>, kind: TextKind) -> bool {
    // UTS #46 maps the ideographic and fullwidth full stops to '.', so a domain label
    // starts after them too.
    prev.is_none_or(|p| match kind {
        TextKind::Address => matches!(p, '.' | '@' | '"'),
        TextKind::Domain => matches!(p, '.' | '\u{3002}' | '\u{FF0E}' | '\u{FF61}'),
        TextKind::DisplayName => p == ' ',
        TextKind::HeaderValue => false,
    })
}

/// True when a joiner or variation selector at this place is part of a visible sequence.
fn in_visible_sequence(c: char, prev: Option<char>, next: Option<char>, kind: TextKind) -> bool {
    if kind == TextKind::Domain {
        // UTS #46 CheckJoiners decides for joiners; a variation selector is mapped away.
        return matches!(c, '\u{200C}' | '\u{200D}');
    }
    // The normalizer's combining classes: NFC (below) needs that data anyway.
    let virama =
        |p: char| icu_normalizer::properties::CanonicalCombiningClassMap::new().get_u8(p) == 9;
    let pictograph = |p: char| CodePointSetData::new::<ExtendedPictographic>().contains(p);
    match c {
        '\u{200C}' => prev.is_some_and(virama),
        '\u{200D}' => {
            prev.is_some_and(virama)
                || (prev.is_some_and(|p| pictograph(p) || p == '\u{FE0F}')
                    && next.is_some_and(pictograph))
        }
        '\u{FE0E}' | '\u{FE0F}' => {
            prev.is_some_and(|p| CodePointSetData::new::<Emoji>().contains(p))
        }
        _ => false,
    }
}

/// Classifies one character in its place, or `None` when it may stand there.
fn classify(
    c: char,
    prev: Option<char>,
    next: Option<char>,
    kind: TextKind,
) -> Option<UnsafeClass> {
    if c.is_ascii() {
        // Printable ASCII and the four whitespace characters are each field's own rules.
        return (c.is_ascii_control() && !matches!(c, '\t' | '\r' | '\n'))
            .then_some(UnsafeClass::Control);
    }
    if BIDI.iter().any(|(b, _)| *b == c) {
        return Some(UnsafeClass::Bidi);
    }
    if c == '\u{FFFD}' {
        return Some(UnsafeClass::Unreadable);
    }
    let gc = CodePointMapData::<GeneralCategory>::new().get(c);
    match gc {
        GeneralCategory::SpaceSeparator
        | GeneralCategory::LineSeparator
        | GeneralCategory::ParagraphSeparator => return Some(UnsafeClass::Space),
        GeneralCategory::Control => return Some(UnsafeClass::Control),
        GeneralCategory::PrivateUse => return Some(UnsafeClass::PrivateUse),
        GeneralCategory::Unassigned | GeneralCategory::Surrogate => {
            return Some(UnsafeClass::Unassigned);
        }
        _ => {}
    }
    if (CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || matches!(c, '\u{180E}' | '\u{3164}' | '\u{FFA0}'))
        && !in_visible_sequence(c, prev, next, kind)
    {
        return Some(UnsafeClass::Invisible);
    }
    if is_combining_mark(gc) && starts_part(prev, kind) {
        return Some(UnsafeClass::LeadingCombiningMark);
    }
    None
}

/// The first character of `text` a person could not read as it is, in one pass.
pub fn find_unsafe(text: &str, kind: TextKind) -> Option<Unsafe> {
    // ASCII fast path (issue 26): in ASCII only a control other than tab, CR and LF is
    // unsafe, so a byte scan decides up to the first non-ASCII byte; from there (where
    // neighbours matter) the full pass runs, from the start, as before.
    let bytes = text.as_bytes();
    match bytes.iter().position(|&b| {
        !b.is_ascii() || (b.is_ascii_control() && !matches!(b, b'\t' | b'\r' | b'\n'))
    }) {
        None => None,
        Some(i) if bytes[i].is_ascii() => Some(Unsafe {
            c: char::from(bytes[i]),
            position: i + 1,
            class: UnsafeClass::Control,
        }),
        Some(_) => find_unsafe_full(text, kind),
    }
}

/// [`find_unsafe`] character by character, for text that is not all ASCII.
fn find_unsafe_full(text: &str, kind: TextKind) -> Option<Unsafe> {
    let mut prev = None;
    let mut chars = text.chars().peekable();
    let mut position = 0;
    while let Some(c) = chars.next() {
        position += 1;
        if let Some(class) = classify(c, prev, chars.peek().copied(), kind) {
            return Some(Unsafe { c, position, class });
        }
        prev = Some(c);
    }
    None
}

/// Adds an error under `field` for the first unsafe character of `text` (the `what` is
/// "address", "domain", "name", ...); returns true when one was found.
pub fn report_unsafe(
    text: &str,
    kind: TextKind,
    field: &str,
    what: &str,
    issues: &mut Issues,
) -> bool {
    let Some(u) = find_unsafe(text, kind) else {
        return false;
    };
    issues.error(
        field,
        u.class.code(),
        format!(
            "The {what} has {} at character {}: {}. Retype the {what} instead of pasting it, and leave that character out.",
            char_name(u.c),
            u.position,
            u.class.effect()
        ),
    );
    true
}

/// The NFC form of `text` (RFC 6532 §3.1: a non-ASCII local part is compared, checked and
/// measured in NFC).
pub fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() {
        return std::borrow::Cow::Borrowed(text);
    }
    icu_normalizer::ComposingNormalizerBorrowed::new_nfc().normalize(text)
}

#[cfg(test)]
mod tests;
