//! The package's one serializer: JSON text across the boundary, read and written here.
//!
//! JS turns an argument into text with the engine's `JSON.stringify` and a result back
//! into an object with `JSON.parse`; both are native and fast, and one string crossing
//! the boundary costs less than building an object field by field through it. On this
//! side a small reader and writer do the rest, written for this package instead of
//! taking `serde_json` and `serde_path_to_error`, for size: those two came to 99 KB of the
//! first 517 KB build (twiggy), mostly generic code instantiated per type, and they link
//! float parsing and formatting that no Sendready type uses.
//!
//! What is deliberately not supported, because no input or output type needs it:
//! numbers with a fraction or an exponent (read as an error that says so), floats on
//! output, and map keys that are not strings.

use core::fmt;
use serde::de::{self, DeserializeOwned, Expected, IntoDeserializer, Unexpected, Visitor};
use serde::ser::{self, Serialize};

/// Nesting deeper than this is refused rather than recursed into (no Sendready input is
/// deeper than three levels; a hostile argument must not exhaust the stack).
const MAX_DEPTH: usize = 32;

/// A read or write failure, with the path of the value it is about.
#[derive(Debug)]
pub struct Error {
    /// Innermost segment first (pushed while the error travels outwards).
    path: Vec<Segment>,
    message: String,
}

#[derive(Debug)]
enum Segment {
    Key(String),
    Index(usize),
}

impl Error {
    fn new(message: String) -> Self {
        Error {
            path: Vec::new(),
            message,
        }
    }

    fn at(mut self, segment: Segment) -> Self {
        self.path.push(segment);
        self
    }

    /// The path in the core's field notation: `zuora.socketFactoryPort`, `tokens[2]`;
    /// empty for the value itself.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for segment in self.path.iter().rev() {
            match segment {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => {
                    out.push('[');
                    push_u64(&mut out, *i as u64);
                    out.push(']');
                }
            }
        }
        out
    }

    /// What is wrong, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Describes an unexpected value without formatting floats (which would link the float
/// printer for a message no Sendready type can trigger).
fn describe(u: &Unexpected<'_>) -> String {
    match *u {
        Unexpected::Bool(b) => if b { "true" } else { "false" }.to_owned(),
        Unexpected::Unsigned(n) => {
            let mut s = String::from("the number ");
            push_u64(&mut s, n);
            s
        }
        Unexpected::Signed(n) => {
            let mut s = String::from("the number ");
            if n < 0 {
                s.push('-');
            }
            push_u64(&mut s, n.unsigned_abs());
            s
        }
        Unexpected::Float(_) => "a number with a fraction".to_owned(),
        Unexpected::Str(s) => format!("the string \"{s}\""),
        Unexpected::Unit => "null".to_owned(),
        Unexpected::Seq => "an array".to_owned(),
        Unexpected::Map => "an object".to_owned(),
        Unexpected::Other(s) => s.to_owned(),
        _ => "a value of another kind".to_owned(),
    }
}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Error::new(format!("expected {exp}, found {}", describe(&unexp)))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Error::new(format!("expected {exp}, found {}", describe(&unexp)))
    }

    fn invalid_length(len: usize, exp: &dyn Expected) -> Self {
        Error::new(format!("expected {exp}, found {len} elements"))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let mut m = format!("\"{variant}\" is not one of the allowed values: ");
        for (i, v) in expected.iter().enumerate() {
            if i > 0 {
                m.push_str(", ");
            }
            m.push('"');
            m.push_str(v);
            m.push('"');
        }
        Error::new(m)
    }

    fn missing_field(field: &'static str) -> Self {
        Error::new(format!("the required field `{field}` is missing"))
    }
}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(msg.to_string())
    }
}

fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

// ---- reading

/// A parsed JSON value. Numbers are whole (`Int`) or not (`Fraction`, kept unparsed).
enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Fraction,
    Str(String),
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn fail<T>(&self, what: &str) -> Result<T, Error> {
        Err(Error::new(format!(
            "the argument is not valid JSON ({what} at offset {})",
            self.i
        )))
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.s[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::new(
                "the argument is nested too deeply; no Sendready input nests more than a few levels"
                    .to_owned(),
            ));
        }
        self.ws();
        match self.s.get(self.i) {
            Some(b'n') if self.eat(b"null") => Ok(Value::Null),
            Some(b't') if self.eat(b"true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat(b"false") => Ok(Value::Bool(false)),
            Some(b'"') => self.string().map(Value::Str),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat(b"]") {
                    return Ok(Value::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(b",") {
                        continue;
                    }
                    if self.eat(b"]") {
                        return Ok(Value::Arr(items));
                    }
                    return self.fail("expected , or ]");
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.eat(b"}") {
                    return Ok(Value::Obj(fields));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return self.fail("expected a key");
                    }
                    let k = self.string()?;
                    self.ws();
                    if !self.eat(b":") {
                        return self.fail("expected :");
                    }
                    let v = self.value(depth + 1)?;
                    fields.push((k, v));
                    self.ws();
                    if self.eat(b",") {
                        continue;
                    }
                    if self.eat(b"}") {
                        return Ok(Value::Obj(fields));
                    }
                    return self.fail("expected , or }");
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.fail("unexpected character"),
        }
    }

    /// A number as RFC 8259 §6 writes it:
    /// `[ "-" ] ( "0" / digit1-9 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "-" / "+" ] 1*DIGIT ]`.
    /// A lone `-`, a leading zero, `1.` and `1e` are errors, never a number.
    fn number(&mut self) -> Result<Value, Error> {
        let negative = self.s.get(self.i) == Some(&b'-');
        if negative {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let from = p.i;
            while let Some(b'0'..=b'9') = p.s.get(p.i) {
                p.i += 1;
            }
            p.i - from
        };
        let int_start = self.i;
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.fail("a number needs a digit after -"),
        }
        if let Some(b'0'..=b'9') = self.s.get(self.i) {
            return self.fail("a number may not start with 0 followed by digits");
        }
        let int_end = self.i;
        let mut whole = true;
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return self.fail("a decimal point needs digits after it");
            }
            whole = false;
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return self.fail("an exponent needs digits");
            }
            whole = false;
        }
        // serde_json reads `-0` as the float -0.0, not an integer (found by `bench/fuzz
        // smtp_json`); the API reads JSON with serde_json, so the package does the same.
        if !whole || (negative && &self.s[int_start..int_end] == b"0") {
            return Ok(Value::Fraction);
        }
        // Accumulated with its sign, so i64::MIN reads too.
        let n = self.s[int_start..int_end].iter().try_fold(0i64, |n, d| {
            let d = i64::from(d - b'0');
            let n = n.checked_mul(10)?;
            if negative {
                n.checked_sub(d)
            } else {
                n.checked_add(d)
            }
        });
        Ok(n.map_or(Value::Fraction, Value::Int))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.s.get(self.i) {
                Some(&c) => char::from(c).to_digit(16),
                None => None,
            };
            let Some(d) = d else {
                return self.fail("bad \\u escape");
            };
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, Error> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' {
                    break;
                }
                // RFC 8259 §7: control characters in a string must be escaped.
                if b < 0x20 {
                    return self.fail("unescaped control character in a string");
                }
                self.i += 1;
            }
            // The input came from a &str and we stopped on ASCII, so this is UTF-8.
            out.push_str(core::str::from_utf8(&self.s[start..self.i]).unwrap_or_default());
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.s.get(self.i) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.i += 1;
                            let hi = self.hex4()?;
                            self.i -= 1;
                            // A high surrogate pairs only with a low one; any other
                            // escape after it is read on its own, never swallowed.
                            let lo = (0xD800..0xDC00)
                                .contains(&hi)
                                .then(|| self.s.get(self.i + 1..self.i + 7))
                                .flatten()
                                .filter(|next| next.starts_with(b"\\u"))
                                .filter(|next| next[2..].iter().all(u8::is_ascii_hexdigit))
                                .and_then(|next| std::str::from_utf8(&next[2..]).ok())
                                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                                .filter(|lo| (0xDC00..0xE000).contains(lo));
                            let code = match lo {
                                Some(lo) => {
                                    self.i += 6;
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                }
                                None => hi,
                            };
                            // A lone surrogate (JSON.stringify writes it escaped) has no
                            // Rust char; U+FFFD makes the checks report it as invalid.
                            char::from_u32(code).unwrap_or('\u{FFFD}')
                        }
                        _ => return self.fail("bad escape"),
                    };
                    out.push(c);
                    self.i += 1;
                }
                _ => return self.fail("unterminated string"),
            }
        }
    }
}

/// Reads `T` from JSON text (what `JSON.stringify` made of an argument).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return p.fail("trailing characters");
    }
    T::deserialize(De(v))
}

struct De(Value);

impl<'de> de::Deserializer<'de> for De {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => vis.visit_unit(),
            Value::Bool(b) => vis.visit_bool(b),
            Value::Int(n) => vis.visit_i64(n),
            Value::Fraction => Err(de::Error::invalid_type(
                Unexpected::Other("a number with a fraction or an exponent"),
                &vis,
            )),
            Value::Str(s) => vis.visit_string(s),
            Value::Arr(a) => vis.visit_seq(Seq {
                it: a.into_iter(),
                index: 0,
            }),
            Value::Obj(o) => vis.visit_map(Map {
                it: o.into_iter(),
                pending: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => vis.visit_none(),
            v => vis.visit_some(De(v)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        vis: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Str(s) => vis.visit_enum(IntoDeserializer::<Error>::into_deserializer(s)),
            v => De(v).deserialize_any(vis),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        vis: V,
    ) -> Result<V::Value, Error> {
        vis.visit_newtype_struct(self)
    }

    /// An unknown field's value is skipped whatever it holds, a fraction included, as
    /// serde_json skips it (found by `bench/fuzz smtp_json`: `{"x":1e3}` was refused).
    fn deserialize_ignored_any<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, Error> {
        vis.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

struct Seq {
    it: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'de> de::SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(v) = self.it.next() else {
            return Ok(None);
        };
        let i = self.index;
        self.index += 1;
        seed.deserialize(De(v))
            .map(Some)
            .map_err(|e| e.at(Segment::Index(i)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.it.len())
    }
}

struct Map {
    it: std::vec::IntoIter<(String, Value)>,
    pending: Option<(String, Value)>,
}

impl<'de> de::MapAccess<'de> for Map {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((k, v)) = self.it.next() else {
            return Ok(None);
        };
        let key = seed.deserialize(<&str as IntoDeserializer<Error>>::into_deserializer(
            k.as_str(),
        ))?;
        self.pending = Some((k, v));
        Ok(Some(key))
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((k, v)) = self.pending.take() else {
            return Err(Error::new("a value was read before its key".to_owned()));
        };
        seed.deserialize(De(v)).map_err(|e| e.at(Segment::Key(k)))
    }
}

// ---- writing

/// Writes `value` as JSON text (for `JSON.parse` on the JS side).
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut w = Writer(String::with_capacity(256));
    value.serialize(&mut w)?;
    Ok(w.0)
}

struct Writer(String);

impl Writer {
    fn string(&mut self, s: &str) {
        let out = &mut self.0;
        out.push('"');
        // Copy runs that need no escape in one go; only `"`, `\\` and controls are escaped.
        let mut run = 0;
        for (i, b) in s.bytes().enumerate() {
            let esc = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..0x20 => "",
                _ => continue,
            };
            out.push_str(&s[run..i]);
            run = i + 1;
            if esc.is_empty() {
                out.push_str("\\u00");
                for d in [b >> 4, b & 0xF] {
                    out.push(char::from(b"0123456789abcdef"[usize::from(d)]));
                }
            } else {
                out.push_str(esc);
            }
        }
        out.push_str(&s[run..]);
        out.push('"');
    }

    fn int(&mut self, n: i64) {
        if n < 0 {
            self.0.push('-');
        }
        push_u64(&mut self.0, n.unsigned_abs());
    }
}

/// A sequence, map or struct being written; `close` is what ends it (`]`, `}`, or `}}`
/// for a variant wrapped in an object).
struct Compound<'a> {
    w: &'a mut Writer,
    first: bool,
    close: &'static str,
}

impl Compound<'_> {
    fn comma(&mut self) {
        if !self.first {
            self.w.0.push(',');
        }
        self.first = false;
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.comma();
        self.w.string(key);
        self.w.0.push(':');
        value.serialize(&mut *self.w)
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(&mut *self.w)
    }

    fn finish(self) {
        self.w.0.push_str(self.close);
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        push_u64(&mut self.0, v);
        Ok(())
    }
    fn serialize_f32(self, _v: f32) -> Result<(), Error> {
        Err(ser::Error::custom("floats are not written by this package"))
    }
    fn serialize_f64(self, _v: f64) -> Result<(), Error> {
        Err(ser::Error::custom("floats are not written by this package"))
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for b in v {
            seq.element(b)?;
        }
        seq.finish();
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.0.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.0.push('{');
        self.string(variant);
        self.0.push(':');
        value.serialize(&mut *self)?;
        self.0.push('}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        self.0.push('[');
        Ok(Compound {
            w: self,
            first: true,
            close: "]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        self.0.push('{');
        self.string(variant);
        self.0.push_str(":[");
        Ok(Compound {
            w: self,
            first: true,
            close: "]}",
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        self.0.push('{');
        Ok(Compound {
            w: self,
            first: true,
            close: "}",
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        self.0.push('{');
        self.string(variant);
        self.0.push_str(":{");
        Ok(Compound {
            w: self,
            first: true,
            close: "}}",
        })
    }
}

/// The four sequence-like compounds write elements the same way.
macro_rules! elements {
    ($($tr:ident :: $method:ident),*) => {$(
        impl ser::$tr for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.finish();
                Ok(())
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// Structs and struct variants write named fields the same way.
macro_rules! fields {
    ($($tr:ident),*) => {$(
        impl ser::$tr for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Error> {
                self.finish();
                Ok(())
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    /// Keys are written as the value they are; every Sendready map key is a string.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(&mut *self.w)?;
        self.w.0.push(':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.w)
    }
    fn end(self) -> Result<(), Error> {
        self.finish();
        Ok(())
    }
}

#[cfg(test)]
mod tests;
