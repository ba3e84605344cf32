//! Reports: the one shape every check returns (DESIGN.md, "The core").
//!
//! A check never answers with a bare bool. It returns a [`Report`]: the normalized value
//! (when the input could be understood) and a list of [`Issue`]s, each with a stable
//! kebab-case [`Code`] from the catalogue below, a [`Severity`] and an English message
//! that says what is wrong and what to do.

use serde::{Deserialize, Serialize};

/// The seeds' advice for a port and security mode that do not match (Zuora's SocketFactory
/// fields), shared by the transport errors it explains.
const SOCKET_FACTORY_ACTION: &str = "Check the port and security mode together: port 465 needs SSL/TLS (Zuora: SMTP SocketFactory Class javax.net.ssl.SSLSocketFactory and SocketFactory Port 465); port 587 needs STARTTLS. If unsure, try 587 with STARTTLS.";

macro_rules! catalogue {
    (@explanation) => { None };
    (@explanation $($key:ident = $value:expr),+) => {
        Some(Explanation { $($key: $value),+ })
    };
    ($(
        $(#[doc = $doc:literal])+
        $(#[diagnosis($($key:ident = $value:expr),+ $(,)?)])?
        $variant:ident = $s:literal,
    )*) => {
        /// A stable, documented identifier for every issue and diagnosis Sendready reports.
        ///
        /// Front ends may translate by code; the English text lives in [`Code::summary`]
        /// and in each issue's message. The full table is `docs/codes.md`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[doc = $doc])+ $variant, )*
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[ $(Code::$variant,)* ];

            /// The kebab-case identifier, e.g. `address-missing-at`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $s,)* }
            }

            /// One-line description of what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => concat!($($doc),+).trim_ascii(),)* }
            }

            /// Looks a code up by its kebab-case identifier.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $($s => Some(Code::$variant),)* _ => None }
            }

            /// What the catalogue says of a failure with this code (its title as products
            /// show it, cause, action, field, whether retrying helps), for the codes that
            /// explain a failure; the text stands beside the code's summary below.
            pub fn explanation(self) -> Option<Explanation> {
                match self { $(Code::$variant => catalogue!(@explanation $($($key = $value),+)?),)* }
            }
        }

        /// The TypeScript declaration of [`Code`]: a union of every identifier, so a
        /// front end's `switch` over codes is checked by `tsc`.
        #[cfg(feature = "tsify")]
        const _: () = {
            use wasm_bindgen::prelude::wasm_bindgen;
            #[wasm_bindgen(typescript_custom_section)]
            const CODE_TS: &str = concat!(
                "/** A stable identifier from Sendready's catalogue (docs/codes.md). */\nexport type Code =",
                $("\n  | \"", $s, "\"",)*
                ";\n"
            );
        };
    };
}

catalogue! {
    // ---- the input itself (any entry point that reads a JSON object)
    /// An input object has a missing field, a field of the wrong type or an unknown value.
    InputInvalid = "input-invalid",
    /// The body has a field the route does not take; nothing was done.
    BodyUnknownField = "body-unknown-field",

    // ---- any text shown to a person: addresses, domains, names, header values (text.rs)
    /// A bidirectional control (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C)
    /// that reorders how the text is shown (UAX #9; TR #36 §2).
    TextBidiControl = "text-bidi-control",
    /// A zero-width or other invisible character (Default_Ignorable_Code_Point), outside
    /// the joiner and emoji sequences where it is visible.
    TextInvisible = "text-invisible",
    /// A space other than U+0020, or a line or paragraph separator (U+2028, U+2029).
    TextUnusualSpace = "text-unusual-space",
    /// A C0 or C1 control character other than tab, CR and LF.
    TextControl = "text-control",
    /// A private-use code point.
    TextPrivateUse = "text-private-use",
    /// A code point Unicode has not assigned, or a noncharacter.
    TextUnassigned = "text-unassigned",
    /// U+FFFD: an unpaired surrogate or a broken byte sequence was replaced on the way in.
    TextUnreadable = "text-unreadable",
    /// A part (label, local part, word) starts with a combining mark.
    TextLeadingCombiningMark = "text-leading-combining-mark",

    // ---- AWS services other than SES (their errors are not SES's)
    /// DynamoDB, Route 53 or KMS answered with an error Sendready does not expect (502).
    AwsError = "aws-error",

    // ---- the tenant's saved email settings (crates/lambda, issue 14)
    /// The settings were saved by someone else since the writer read them (412).
    SettingsStale = "settings-stale",
    /// A settings write did not say which version it read (`If-Match`, 428).
    SettingsVersionMissing = "settings-version-missing",
    /// Delivery through the external SMTP server was chosen without a passing connection
    /// test of those settings (Zuora: "Test Connection And Save").
    SettingsSmtpUntested = "settings-smtp-untested",
    /// The saved password or OAuth 2.0 token was saved for another SMTP server, port or
    /// username: it is used only where it was saved for, so type it again for this one.
    SettingsSecretUnbound = "settings-secret-unbound",
    /// SES is the delivery route, or an SES sender is being set, without a From address
    /// (SES sends only from an address a verified identity covers).
    SettingsSesFromMissing = "settings-ses-from-missing",

    // ---- the send route (POST /v1/messages, issue 14)
    /// The message has neither a text nor an HTML part.
    MessageEmpty = "message-empty",
    /// The message has no recipient, or more than SES's 50 per message.
    MessageRecipients = "message-recipients",
    /// The subject is empty or longer than a header line may be.
    MessageSubjectInvalid = "message-subject-invalid",
    /// The From is not one the tenant may send as through its chosen route.
    MessageFromNotAllowed = "message-from-not-allowed",
    /// The `Idempotency-Key` was used before for another message (422).
    MessageIdempotencyMismatch = "message-idempotency-mismatch",
    /// A send with this `Idempotency-Key` is under way (409): the same key answers its
    /// result once it reports back.
    MessageInProgress = "message-in-progress",
    /// A send with this `Idempotency-Key` may or may not have delivered (a reply that never
    /// came after the message was written, SES not answering, a request cut off mid-send),
    /// so the key is never sent with again (409); a deliberate new send takes a new key.
    MessageOutcomeUnknown = "message-outcome-unknown",
    /// The tenant's route cannot send yet (no SMTP settings saved, no platform sender).
    MessageRouteUnavailable = "message-route-unavailable",
    /// The tenant sent as many messages as it may this hour.
    LimitMessages = "limit-messages",
    /// No message of this tenant has this id (`GET /v1/messages/{messageId}`; a message
    /// sent with `Prefer: respond-async` is kept 7 days).
    MessageNotFound = "message-not-found",

    // ---- the tenant's sending reputation (SES events, issue 15)
    /// The tenant's bounce rate is at or over 5 %, where SES places an account under
    /// review (at 10 % it may pause sending).
    #[diagnosis(
        title = "Bounce rate under review",
        cause = "Too many messages went to addresses that do not exist or refused them permanently. SES reviews an account whose bounce rate reaches 5 % and may pause it at 10 %; on a shared account one tenant's bounces count for every tenant.",
        action = "Send only to addresses that asked for mail and that you confirmed recently; remove every address that bounced permanently, and check the list for typos and bought or old addresses.",
        field = None,
        retryable = false,
    )]
    ReputationBounceRate = "reputation-bounce-rate",
    /// The tenant's complaint rate is at or over 0.1 %, where SES places an account under
    /// review (at 0.5 % it may pause sending).
    #[diagnosis(
        title = "Complaint rate under review",
        cause = "Recipients marked messages as spam. SES reviews an account whose complaint rate reaches 0.1 % and may pause it at 0.5 %; on a shared account one tenant's complaints count for every tenant.",
        action = "Send only what recipients asked for, make unsubscribing one click (List-Unsubscribe), and stop sending to everyone who complained.",
        field = None,
        retryable = false,
    )]
    ReputationComplaintRate = "reputation-complaint-rate",
    /// An SES event could not be read (not SES's event publishing shape).
    EventInvalid = "event-invalid",

    // ---- the API's callers (crates/lambda): the authorizer's claims
    /// The request has no bearer token, or its claims name no tenant.
    AuthMissing = "auth-missing",
    /// The bearer token was refused (signature, expiry, issuer or audience).
    AuthInvalid = "auth-invalid",
    /// The token is valid but lacks the scope this route needs.
    AuthForbidden = "auth-forbidden",
    /// The API has no route at this path and method.
    RouteNotFound = "route-not-found",
    /// The request body is larger than the API accepts.
    InputTooLarge = "input-too-large",
    /// The request did not finish within its deadline.
    RequestTimeout = "request-timeout",
    /// The tenant sent as many test messages as it may this hour or day.
    LimitTestMail = "limit-test-mail",
    /// SES was asked to resend this identity's verification mail as often as allowed today.
    LimitVerificationResends = "limit-verification-resends",
    /// The tenant ran as many SMTP checks as it may this minute.
    LimitSmtpChecks = "limit-smtp-checks",
    /// Sign-ins to this SMTP host failed too often this hour; it is not tried again until
    /// the hour ends.
    LimitSmtpAuthFailures = "limit-smtp-auth-failures",
    /// The claimed domain is verified in SES: a verified name moves only by the platform's
    /// admin, never by a claim.
    IdentityClaimVerified = "identity-claim-verified",
    /// No other tenant holds the claimed name: add it instead (or the tenant already
    /// holds it).
    IdentityClaimNotNeeded = "identity-claim-not-needed",
    /// SES holds 80 % or more of its quota of identities in this region.
    PlatformIdentityQuotaNear = "platform-identity-quota-near",
    /// A dead-letter queue holds messages: SES events not stored, or sends not handled,
    /// after their retries; fix the cause and redrive them.
    PlatformDeadLetters = "platform-dead-letters",
    /// The tenant already has as much work waiting on its own servers (its SMTP server,
    /// its domain's name servers) as it may run at once.
    LimitTenantBusy = "limit-tenant-busy",
    /// The server failed to build a request or a key: a fault on Sendready's side, not the
    /// caller's; retrying may help, reporting it will.
    InternalError = "internal-error",

    // ---- email addresses (address), RFC 5321 §4.1.2, RFC 5322 §3.4.1, RFC 6531
    /// The email address is empty.
    AddressEmpty = "address-empty",
    /// The address has spaces or tabs before or after it.
    AddressWhitespace = "address-whitespace",
    /// The address has no `@` between local part and domain.
    AddressMissingAt = "address-missing-at",
    /// The address has more than one `@` outside quotes.
    AddressMultipleAt = "address-multiple-at",
    /// A display name (`Name <addr>`) was typed where only an address belongs.
    AddressDisplayName = "address-display-name",
    /// The part before `@` is empty.
    AddressLocalEmpty = "address-local-empty",
    /// The local part starts or ends with a dot, or has two dots in a row.
    AddressLocalDot = "address-local-dot",
    /// The local part has a character that is not allowed unquoted.
    AddressLocalInvalidChar = "address-local-invalid-char",
    /// The local part is longer than 64 octets (RFC 5321 §4.5.3.1.1).
    AddressLocalTooLong = "address-local-too-long",
    /// The whole address is longer than 254 octets (RFC 5321 §4.5.3.1.3).
    AddressTooLong = "address-too-long",
    /// The local part is quoted, which is only accepted when quoted local parts are enabled.
    AddressQuotedLocal = "address-quoted-local",
    /// A quoted local part is unclosed or has a character not allowed inside quotes.
    AddressQuotedInvalid = "address-quoted-invalid",
    /// A quoted local part that needs no quotes; the normalized form drops them.
    AddressUnnecessaryQuotes = "address-unnecessary-quotes",
    /// The domain is an address literal (`[192.0.2.1]`), only accepted when enabled.
    AddressDomainLiteral = "address-domain-literal",
    /// The address literal is not a valid IPv4 or `IPv6:` literal (RFC 5321 §4.1.3).
    AddressLiteralInvalid = "address-literal-invalid",
    /// The local part has non-ASCII characters and needs SMTPUTF8 (RFC 6531).
    AddressSmtputf8 = "address-smtputf8",

    // ---- domain names and DNS names (host), RFC 1035 §2.3.1, RFC 5890, UTS #46
    /// The domain is empty.
    DomainEmpty = "domain-empty",
    /// The domain starts or ends with a dot, or has two dots in a row.
    DomainEmptyLabel = "domain-empty-label",
    /// The domain has a character that is not a letter, digit or hyphen.
    DomainInvalidChar = "domain-invalid-char",
    /// A label of the domain starts or ends with a hyphen.
    DomainLabelHyphen = "domain-label-hyphen",
    /// A label of the domain is longer than 63 octets after IDNA conversion.
    DomainLabelTooLong = "domain-label-too-long",
    /// The domain is longer than 253 octets after IDNA conversion.
    DomainTooLong = "domain-too-long",
    /// The internationalized domain is not valid under IDNA2008 / UTS #46.
    DomainIdnaInvalid = "domain-idna-invalid",
    /// The domain has no dot, so it cannot be a public domain.
    DomainDotless = "domain-dotless",
    /// The domain is a special-use name (RFC 6761 and others) that never resolves publicly.
    DomainSpecialUse = "domain-special-use",
    /// The top-level label is all digits, which no real top-level domain is.
    DomainNumericTld = "domain-numeric-tld",
    /// A label has hyphens in its third and fourth places, reserved for encoded
    /// international names (RFC 5891 §4.2.3.1).
    DomainReservedHyphens = "domain-reserved-hyphens",
    /// The top-level label is neither letters nor an A-label (`example.c0m`).
    DomainTldInvalid = "domain-tld-invalid",
    /// An underscore label, allowed in DNS record names but not in host or mail domains.
    DomainUnderscore = "domain-underscore",

    // ---- SMTP server host field (host)
    /// The SMTP server host is empty.
    HostEmpty = "host-empty",
    /// The host has spaces before or after it.
    HostWhitespace = "host-whitespace",
    /// A URL scheme such as `smtp://` was typed into the host field.
    HostHasScheme = "host-has-scheme",
    /// A port (`:587`) was typed into the host field.
    HostHasPort = "host-has-port",
    /// A path (`/...`) was typed into the host field.
    HostHasPath = "host-has-path",
    /// An email address or `user@` was typed into the host field.
    HostHasUserinfo = "host-has-userinfo",
    /// The host looks like an IP address but is not a valid one.
    HostInvalidIp = "host-invalid-ip",
    /// The host is a loopback, private, link-local or unspecified address or name.
    HostPrivate = "host-private",
    /// The host is an IP address; TLS certificates are issued to names.
    HostIpLiteral = "host-ip-literal",

    // ---- SMTP settings form (smtp)
    /// The port is missing.
    SmtpPortMissing = "smtp-port-missing",
    /// The port is not between 1 and 65535.
    SmtpPortRange = "smtp-port-range",
    /// The port is not one of the usual SMTP submission ports.
    SmtpPortUnusual = "smtp-port-unusual",
    /// The API connects only to SMTP submission ports; this one is not allowed.
    SmtpPortNotAllowed = "smtp-port-not-allowed",
    /// The security mode does not match what servers use on this port.
    SmtpSecurityPortMismatch = "smtp-security-port-mismatch",
    /// Credentials would be sent over an unencrypted connection.
    SmtpCleartextAuth = "smtp-cleartext-auth",
    /// The username is missing.
    SmtpUsernameMissing = "smtp-username-missing",
    /// The username has spaces before or after it.
    SmtpUsernameWhitespace = "smtp-username-whitespace",
    /// The username must be the sender's email address (Zuora External SMTP).
    SmtpUsernameNotEmail = "smtp-username-not-email",
    /// The password is missing.
    SmtpPasswordMissing = "smtp-password-missing",
    /// The password has spaces before or after it.
    SmtpPasswordWhitespace = "smtp-password-whitespace",
    /// A password was given that will not be used.
    SmtpPasswordUnused = "smtp-password-unused",
    /// OAuth 2.0 authentication needs an OAuth 2.0 provider.
    SmtpOauth2ProviderMissing = "smtp-oauth2-provider-missing",
    /// A connection test with OAuth 2.0 needs the access token to sign in with (XOAUTH2).
    SmtpOauth2TokenMissing = "smtp-oauth2-token-missing",
    /// The default from address is missing.
    SmtpFromMissing = "smtp-from-missing",
    /// The from address's domain differs from the username's: the server must allow relaying.
    SmtpFromDomainMismatch = "smtp-from-domain-mismatch",
    /// The from name has a line break or control character.
    SmtpFromNameInvalid = "smtp-from-name-invalid",
    /// An additional header line is not `Name=Value`.
    SmtpHeaderSyntax = "smtp-header-syntax",
    /// An additional header name has a character not allowed by RFC 5322 §3.6.8.
    SmtpHeaderNameInvalid = "smtp-header-name-invalid",
    /// An additional header value has a control character.
    SmtpHeaderValueInvalid = "smtp-header-value-invalid",
    /// An additional header would replace one the mailer sets (From, To, Subject...).
    SmtpHeaderForbidden = "smtp-header-forbidden",
    /// An additional header would steer the sending service itself (SES's `X-SES-*`:
    /// configuration set, message tags, source and return-path ARNs), which belongs to the
    /// platform's shared account, not to one tenant's message.
    SmtpHeaderTransportControl = "smtp-header-transport-control",
    /// The same additional header is given twice.
    SmtpHeaderDuplicate = "smtp-header-duplicate",
    /// An additional header line is longer than 998 characters (RFC 5322 §2.1.1).
    SmtpHeaderTooLong = "smtp-header-too-long",
    /// The additional headers are too many, too long in all, or have too many problems to
    /// list.
    SmtpHeadersTooLarge = "smtp-headers-too-large",
    /// Zuora: an SMTP SocketFactory Class needs an SMTP SocketFactory Port.
    SmtpSocketFactoryPortMissing = "smtp-socket-factory-port-missing",
    /// Zuora: the SMTP SocketFactory Class is not `javax.net.ssl.SSLSocketFactory`.
    SmtpSocketFactoryClassUnknown = "smtp-socket-factory-class-unknown",
    /// Zuora: StartTLS and an SSL socket factory are both set.
    SmtpSocketFactoryConflict = "smtp-socket-factory-conflict",
    /// Debug output is on; it logs the SMTP conversation.
    SmtpDebugEnabled = "smtp-debug-enabled",

    // ---- provider rules (provider), FusionAuth seed
    /// This provider expects a fixed username.
    ProviderUsernameFixed = "provider-username-fixed",
    /// This provider expects the account's full email address as username.
    ProviderUsernameEmail = "provider-username-email",
    /// Gmail needs an app password, not the account password.
    ProviderGmailAppPassword = "provider-gmail-app-password",
    /// Gmail is for small tests, not production.
    ProviderGmailNotProduction = "provider-gmail-not-production",
    /// Gmail rewrites a From address that is not the account's own.
    ProviderGmailFromMismatch = "provider-gmail-from-mismatch",
    /// SES SMTP credentials belong to one region.
    ProviderSesRegion = "provider-ses-region",
    /// The region is not one Amazon SES runs in.
    SesRegionUnknown = "ses-region-unknown",
    /// The SES password looks like an AWS secret access key, not SMTP credentials.
    ProviderSesSecretKey = "provider-ses-secret-key",
    /// SES in the sandbox sends only between verified addresses.
    ProviderSesSandbox = "provider-ses-sandbox",
    /// The Brevo password is an API key (`xkeysib-`), not an SMTP key.
    ProviderBrevoApiKey = "provider-brevo-api-key",
    /// The provider does not offer SMTP on this port.
    ProviderPortUnsupported = "provider-port-unsupported",
    /// Something to know about this provider before sending.
    ProviderNote = "provider-note",

    // ---- tenant identities and sender authorization (identity), Zuora advanced SMTP
    /// The identity is empty.
    IdentityEmpty = "identity-empty",
    /// The identity's domain is not an active user's domain or a subdomain of one.
    IdentityNotActiveDomain = "identity-not-active-domain",
    /// The tenant already has its one domain identity.
    IdentityDomainLimit = "identity-domain-limit",
    /// The tenant already has three email identities.
    IdentityEmailLimit = "identity-email-limit",
    /// A domain identity and an email identity would share a domain.
    IdentityOverlap = "identity-overlap",
    /// The identity already exists for this tenant.
    IdentityDuplicate = "identity-duplicate",
    /// The tenant has no identity by this name (another tenant's is not told apart).
    IdentityNotFound = "identity-not-found",
    /// Another account on this platform owns this identity name.
    IdentityTaken = "identity-taken",
    /// The identity's create has not finished yet.
    IdentityPending = "identity-pending",
    /// The identity has no DNS records to publish (an email identity verifies by a link).
    IdentityNoRecords = "identity-no-records",
    /// The address is already covered by the tenant's domain identity.
    IdentityCovered = "identity-covered",
    /// The From address matches an identity that is not verified yet.
    SenderNotVerified = "sender-not-verified",
    /// No verified identity allows this From address.
    SenderNotAuthorized = "sender-not-authorized",
    /// A test message may go only to the tenant's active users, its verified identities
    /// and the SES mailbox simulator.
    TestMailRecipientNotAllowed = "test-mail-recipient-not-allowed",

    // ---- DKIM (dns::dkim), RFC 6376, RFC 8301, RFC 8463
    /// An Easy DKIM token is not the 32-character token SES issues.
    DkimTokenInvalid = "dkim-token-invalid",
    /// Easy DKIM needs exactly three tokens.
    DkimTokenCount = "dkim-token-count",
    /// The DKIM selector is not a valid DNS label.
    DkimSelectorInvalid = "dkim-selector-invalid",
    /// The public key is not valid base64 / DER.
    DkimKeyInvalid = "dkim-key-invalid",
    /// The RSA key is shorter than 1024 bits (RFC 8301 §3.2).
    DkimKeyTooShort = "dkim-key-too-short",
    /// The RSA key is longer than SES accepts for BYODKIM (2048 bits).
    DkimKeyTooLong = "dkim-key-too-long",
    /// The DKIM key record is not a valid tag-list (RFC 6376 §3.2).
    DkimRecordSyntax = "dkim-record-syntax",
    /// The `v=` tag is not first or not `DKIM1`.
    DkimVersion = "dkim-version",
    /// The `k=` key type is not `rsa` or `ed25519`.
    DkimKeyType = "dkim-key-type",
    /// The `h=` tag allows only SHA-1, which RFC 8301 forbids for signing.
    DkimHashSha1 = "dkim-hash-sha1",
    /// The record has no `p=` tag.
    DkimKeyMissing = "dkim-key-missing",
    /// `p=` is empty: the key is revoked.
    DkimKeyRevoked = "dkim-key-revoked",
    /// The `s=` service type does not include email.
    DkimServiceType = "dkim-service-type",
    /// `t=y`: the domain is testing DKIM.
    DkimTestingFlag = "dkim-testing-flag",
    /// A tag appears twice in the record.
    DkimDuplicateTag = "dkim-duplicate-tag",

    // ---- SPF (dns::spf), RFC 7208
    /// The record does not start with `v=spf1`.
    SpfNotSpf = "spf-not-spf",
    /// More than one SPF record is published (RFC 7208 §4.5: permerror).
    SpfMultipleRecords = "spf-multiple-records",
    /// A term of the record is not valid SPF syntax.
    SpfSyntax = "spf-syntax",
    /// A mechanism name is not one RFC 7208 defines.
    SpfUnknownMechanism = "spf-unknown-mechanism",
    /// A CIDR prefix length is out of range.
    SpfCidrRange = "spf-cidr-range",
    /// `redirect=` or `exp=` appears more than once (RFC 7208 §6).
    SpfDuplicateModifier = "spf-duplicate-modifier",
    /// More than 10 DNS-querying terms (RFC 7208 §4.6.4).
    SpfLookupLimit = "spf-lookup-limit",
    /// Followed in live DNS, an `include:` or `redirect=` leads back to a domain already
    /// being evaluated (RFC 7208 §4.6.4: a loop is a permanent error).
    SpfIncludeLoop = "spf-include-loop",
    /// Followed in live DNS, more than two DNS lookups of the record's terms found nothing
    /// (RFC 7208 §4.6.4: void lookups are limited to two).
    SpfVoidLookupLimit = "spf-void-lookup-limit",
    /// Followed in live DNS, an `include:` or `redirect=` names a domain with no SPF
    /// record (RFC 7208 §5.2: a permanent error for the whole record).
    SpfIncludeMissing = "spf-include-missing",
    /// Terms after `all` are never evaluated.
    SpfAfterAll = "spf-after-all",
    /// `redirect=` is ignored because the record has `all`.
    SpfRedirectWithAll = "spf-redirect-with-all",
    /// The `ptr` mechanism is deprecated (RFC 7208 §5.5).
    SpfPtrDeprecated = "spf-ptr-deprecated",
    /// `+all` lets every host on the internet send as this domain.
    SpfPlusAll = "spf-plus-all",
    /// The record has neither `all` nor `redirect=`.
    SpfNoAll = "spf-no-all",
    /// A TXT string longer than 255 octets must be split.
    SpfTooLong = "spf-too-long",
    /// The include to add is already in the record.
    SpfIncludePresent = "spf-include-present",

    // ---- DMARC (dns::dmarc), RFC 7489 and RFC 9989
    /// The record does not start with `v=DMARC1`.
    DmarcNotDmarc = "dmarc-not-dmarc",
    /// The record is not a valid tag-list.
    DmarcSyntax = "dmarc-syntax",
    /// The required `p=` policy tag is missing.
    DmarcPolicyMissing = "dmarc-policy-missing",
    /// A policy (`p=`, `sp=`, `np=`) is not none, quarantine or reject.
    DmarcPolicyInvalid = "dmarc-policy-invalid",
    /// A tag has a value outside its grammar.
    DmarcTagValue = "dmarc-tag-value",
    /// A report URI in `rua=`/`ruf=` is not a valid `mailto:` URI.
    DmarcUriInvalid = "dmarc-uri-invalid",
    /// Reports go to another domain, which must publish an authorization record to accept
    /// them (RFC 7489 §7.1).
    DmarcReportExternal = "dmarc-report-external",
    /// An external report address's domain does not publish the `_report._dmarc` record
    /// that authorizes the reports (RFC 7489 §7.1): receivers drop them.
    DmarcReportUnauthorized = "dmarc-report-unauthorized",
    /// A tag appears twice.
    DmarcDuplicateTag = "dmarc-duplicate-tag",
    /// A tag DMARC does not define; receivers ignore it.
    DmarcUnknownTag = "dmarc-unknown-tag",
    /// A tag that RFC 9989 removed (`pct`, `rf`, `ri`).
    DmarcDeprecatedTag = "dmarc-deprecated-tag",
    /// `p=none` only monitors; it protects nothing yet.
    DmarcPolicyNone = "dmarc-policy-none",
    /// More than one DMARC record is published.
    DmarcMultipleRecords = "dmarc-multiple-records",

    // ---- custom MAIL FROM and zone entry (dns)
    /// The MAIL FROM domain is not a subdomain of the identity.
    MailFromNotSubdomain = "mail-from-not-subdomain",
    /// The MAIL FROM domain equals the identity; it must be a subdomain of it.
    MailFromSameAsIdentity = "mail-from-same-as-identity",
    /// The MAIL FROM subdomain's MX points to SES, so it must not receive other mail.
    MailFromNoInbound = "mail-from-no-inbound",
    /// The chosen MAIL FROM subdomain has MX records that are not SES's: it receives mail,
    /// and SES's MX would take it over.
    MailFromMxExists = "mail-from-mx-exists",
    /// A custom MAIL FROM domain is set on a domain identity, not an email identity, here.
    MailFromNeedsDomain = "mail-from-needs-domain",
    /// The record name has the zone typed twice (`send.myapp.myapp.com`).
    ZoneDoubled = "zone-doubled",
    /// Live DNS has the record with the expected value.
    DnsRecordFound = "dns-record-found",
    /// Live DNS has no record at the name.
    DnsRecordMissing = "dns-record-missing",
    /// Live DNS has a record of the right type at the name, with another value.
    DnsRecordWrongValue = "dns-record-wrong-value",
    /// Live DNS has a record at the name, but of another type (a TXT where a CNAME belongs).
    DnsRecordWrongType = "dns-record-wrong-type",
    /// The DNS lookup failed (timeout, SERVFAIL): the answer is unknown, not negative.
    DnsLookupFailed = "dns-lookup-failed",
    /// The check used every DNS lookup or all the time one check may spend (a slow or
    /// sprawling name server); what it did not look up is unknown, not missing.
    DnsBudgetSpent = "dns-budget-spent",
    /// The record name is not inside the DNS host's zone.
    ZoneOutside = "zone-outside",
    /// The zone already holds a record at this name with another value or type; Sendready
    /// changes nothing it did not write.
    DnsRecordConflict = "dns-record-conflict",
    /// The hosted zone is not one the platform lets Sendready change.
    ZoneNotAllowed = "zone-not-allowed",
    /// Route 53 has no hosted zone with this id.
    ZoneNotFound = "zone-not-found",
    /// Route 53 refused the change batch (InvalidChangeBatch, InvalidInput).
    DnsChangeRefused = "dns-change-refused",

    // ---- diagnosis catalogue: SMTP transport and replies (diagnose)
    /// Unknown SMTP host: the name does not resolve.
    #[diagnosis(
        title = "Unknown SMTP host",
        cause = "The SMTP server name does not resolve in DNS: a typo, or a name that exists only inside your network.",
        action = "Check that the SMTP Server Name is correct.",
        field = Some("host"),
        retryable = false,
    )]
    SmtpUnknownHost = "smtp-unknown-host",
    /// Could not connect to SMTP host: the connection was refused.
    #[diagnosis(
        title = "Could not connect to SMTP host",
        cause = "The server refused the connection: nothing accepts mail on this port.",
        action = "Check that the SMTP Port is correct. If the port is correct, the SMTP server might be experiencing a temporary issue. Wait a few minutes and try again.",
        field = Some("port"),
        retryable = true,
    )]
    SmtpConnectionRefused = "smtp-connection-refused",
    /// Connect timed out: nothing answered on that port.
    #[diagnosis(
        title = "Connect timed out",
        cause = "Nothing answered on this port: the port is wrong, or a firewall drops the traffic (many networks block outbound port 25).",
        action = "Check that the SMTP Port is correct (587 is the usual submission port). If the port is correct, the SMTP server might be experiencing a temporary issue. Wait a few minutes and try again.",
        field = Some("port"),
        retryable = true,
    )]
    SmtpConnectTimeout = "smtp-connect-timeout",
    /// Read timed out: connected, but the server sent nothing in time.
    #[diagnosis(
        title = "Read timed out",
        cause = "The connection opened but the server sent no greeting in time. Usually the client waits in plaintext on an implicit-TLS port (465), where the server waits for a TLS handshake.",
        action = SOCKET_FACTORY_ACTION,
        field = Some("security"),
        retryable = false,
    )]
    SmtpReadTimeout = "smtp-read-timeout",
    /// Could not convert socket to TLS: the TLS handshake failed.
    #[diagnosis(
        title = "Could not convert socket to TLS",
        cause = "The TLS handshake failed: the server and client share no protocol version or cipher, or the security mode does not match the port.",
        action = SOCKET_FACTORY_ACTION,
        field = Some("security"),
        retryable = false,
    )]
    SmtpTlsFailed = "smtp-tls-failed",
    /// TLS "wrong version number": implicit TLS spoken to a plaintext (STARTTLS) port.
    #[diagnosis(
        title = "Could not convert socket to TLS (wrong version number)",
        cause = "The client started TLS at once but the server answered in plaintext: this port expects STARTTLS.",
        action = "Choose STARTTLS for this port, or use port 465 with SSL/TLS.",
        field = Some("security"),
        retryable = false,
    )]
    SmtpTlsWrongVersion = "smtp-tls-wrong-version",
    /// The server's TLS certificate is not valid for this host.
    #[diagnosis(
        title = "Could not convert socket to TLS (certificate)",
        cause = "The server's certificate is not valid for this host name: expired, self-signed, or issued to another name.",
        action = "Use the host name the provider documents (the one on its certificate), not an IP address or an alias.",
        field = Some("host"),
        retryable = false,
    )]
    SmtpTlsCertificate = "smtp-tls-certificate",
    /// STARTTLS was asked for but the server does not offer it.
    #[diagnosis(
        title = "STARTTLS is not offered",
        cause = "The server did not announce STARTTLS in its EHLO reply, so the connection cannot be encrypted on this port.",
        action = "Use the port your provider documents for encrypted submission (587 with STARTTLS or 465 with SSL/TLS).",
        field = Some("port"),
        retryable = false,
    )]
    SmtpStarttlsUnsupported = "smtp-starttls-unsupported",
    /// The server requires STARTTLS before anything else (530 5.7.0).
    #[diagnosis(
        title = "Must issue a STARTTLS command first",
        cause = "The server accepts commands only on an encrypted connection.",
        action = "Choose STARTTLS (or SSL/TLS on port 465).",
        field = Some("security"),
        retryable = false,
    )]
    SmtpStarttlsRequired = "smtp-starttls-required",
    /// Authentication failed (535).
    #[diagnosis(
        title = "Authentication failed",
        cause = "The server rejected the login.",
        action = "Check whether your username and password, or OAuth 2.0 provider configuration are correct.",
        field = Some("username"),
        retryable = false,
    )]
    SmtpAuthFailed = "smtp-auth-failed",
    /// Authentication failed: Bad username / password.
    #[diagnosis(
        title = "Authentication failed: Bad username / password",
        cause = "The server rejected the username or password.",
        action = "Check whether your username and password are correct. Re-enter them carefully with no excess whitespace and try again.",
        field = Some("password"),
        retryable = false,
    )]
    SmtpAuthBadCredentials = "smtp-auth-bad-credentials",
    /// Authentication required (530): the server wants credentials.
    #[diagnosis(
        title = "Authentication required",
        cause = "The server requires a login before it accepts mail.",
        action = "Check if you have configured the Authentication field. Choose Username/Password (or OAuth 2.0) and enter the credentials.",
        field = Some("authentication"),
        retryable = false,
    )]
    SmtpAuthRequired = "smtp-auth-required",
    /// The server offers no authentication mechanism Sendready can use.
    #[diagnosis(
        title = "Authentication mechanism not supported",
        cause = "The server offers no AUTH mechanism the client can use over this connection (many servers offer AUTH only after STARTTLS).",
        action = "Choose STARTTLS or SSL/TLS so the server offers authentication, or check the provider's documented mechanisms.",
        field = Some("security"),
        retryable = false,
    )]
    SmtpAuthUnsupported = "smtp-auth-unsupported",
    /// Gmail rejected the password: an app password is required (535-5.7.8, 534-5.7.9).
    #[diagnosis(
        title = "Username and Password not accepted (Gmail)",
        cause = "Google refuses the account password for SMTP: it needs an app password (and two-factor authentication on the account).",
        action = "Create an app password at myaccount.google.com/apppasswords and enter it as the password, spaces included.",
        field = Some("password"),
        retryable = false,
    )]
    SmtpGmailAppPassword = "smtp-gmail-app-password",
    /// The provider has not activated the account yet (502 5.7.0).
    #[diagnosis(
        title = "Your SMTP account is not yet activated",
        cause = "Some providers disable new accounts until their support reviews them.",
        action = "Contact your provider's support to have the account activated.",
        field = None,
        retryable = false,
    )]
    SmtpAccountNotActivated = "smtp-account-not-activated",
    /// The provider has not verified the sending domain (450).
    #[diagnosis(
        title = "Domain not verified",
        cause = "The provider has not verified the sending domain, so it refuses mail from it.",
        action = "Add the DNS records your provider gives you and start its verification. DNS changes can take an hour to a day to be seen.",
        field = Some("fromAddress"),
        retryable = false,
    )]
    SmtpDomainNotVerified = "smtp-domain-not-verified",
    /// SES: the From or recipient address is not verified in this region (554).
    #[diagnosis(
        title = "Message rejected: Email address is not verified",
        cause = "Amazon SES refuses a From address that is not verified in this region, and in the sandbox also any recipient that is not verified.",
        action = "Verify the From address or its domain in the SES region of your SMTP host; while in the sandbox, send the test email to an address you verified, or request production access.",
        field = Some("fromAddress"),
        retryable = false,
    )]
    SmtpAddressNotVerified = "smtp-address-not-verified",
    /// A free or sandbox account may only send to authorized recipients (421).
    #[diagnosis(
        title = "Free accounts are for test purposes only",
        cause = "A free or sandbox account may send only to recipients you authorized.",
        action = "Send the test email to an authorized recipient (add it in the provider's account settings), or upgrade the account.",
        field = None,
        retryable = false,
    )]
    SmtpFreeAccountLimit = "smtp-free-account-limit",
    /// The server is throttling: sending rate exceeded.
    #[diagnosis(
        title = "Throttling: sending rate exceeded",
        cause = "The server accepts only so many messages or connections per second.",
        action = "Slow down and try again in a moment.",
        field = None,
        retryable = true,
    )]
    SmtpThrottled = "smtp-throttled",
    /// The daily sending quota is used up.
    #[diagnosis(
        title = "Daily message quota exceeded",
        cause = "The account has sent as many messages as it may in 24 hours.",
        action = "Wait for the quota to reset, or ask the provider for a higher quota.",
        field = None,
        retryable = true,
    )]
    SmtpDailyQuota = "smtp-daily-quota",
    /// The recipient mailbox does not exist or is unavailable (550).
    #[diagnosis(
        title = "Mailbox unavailable",
        cause = "The recipient's mailbox does not exist or does not accept mail.",
        action = "Check the recipient address for typos.",
        field = None,
        retryable = false,
    )]
    SmtpMailboxUnavailable = "smtp-mailbox-unavailable",
    /// The server will not relay for this sender (550 5.7.1 / 553).
    #[diagnosis(
        title = "Relaying denied",
        cause = "The server will not send mail from this From address for this login.",
        action = "Use a From address your SMTP account owns, or turn on relaying for it on your SMTP server.",
        field = Some("fromAddress"),
        retryable = false,
    )]
    SmtpRelayDenied = "smtp-relay-denied",
    /// The message is larger than the server accepts (552).
    #[diagnosis(
        title = "Message too large",
        cause = "The message is larger than the server accepts.",
        action = "Send a smaller message (fewer or smaller attachments).",
        field = None,
        retryable = false,
    )]
    SmtpMessageTooLarge = "smtp-message-too-large",
    /// The server closed the connection unexpectedly.
    #[diagnosis(
        title = "Connection closed",
        cause = "The server closed the connection unexpectedly, often after a protocol mismatch or a policy block.",
        action = "Check the port and security mode; if they are right, wait a few minutes and try again.",
        field = Some("port"),
        retryable = true,
    )]
    SmtpConnectionClosed = "smtp-connection-closed",
    /// A temporary failure (4xx) not otherwise recognized.
    #[diagnosis(
        title = "Temporary failure",
        cause = "The server could not take the message now.",
        action = "Wait a few minutes and try again; if it persists, read the server's message with your provider.",
        field = None,
        retryable = true,
    )]
    SmtpTemporaryFailure = "smtp-temporary-failure",
    /// The server is closing the connection (421): overloaded, in maintenance, or limiting
    /// this client.
    #[diagnosis(
        title = "Service not available",
        cause = "The server is closing the connection: overloaded, in maintenance, or limiting this client.",
        action = "Wait a few minutes and try again.",
        field = None,
        retryable = true,
    )]
    SmtpServiceUnavailable = "smtp-service-unavailable",
    /// A permanent failure (5xx) not otherwise recognized.
    #[diagnosis(
        title = "Permanent failure",
        cause = "The server refused the message.",
        action = "Read the server's message; it names what to change. Your provider's support can explain its codes.",
        field = None,
        retryable = false,
    )]
    SmtpPermanentFailure = "smtp-permanent-failure",
    /// Sendready does not recognize the error message it was given.
    #[diagnosis(
        title = "Unrecognized error",
        cause = "Sendready does not recognize this message.",
        action = "Turn on debug to log the SMTP conversation, and read the server's last reply.",
        field = None,
        retryable = false,
    )]
    UnrecognizedError = "unrecognized-error",

    // ---- diagnosis catalogue: Amazon SES API (diagnose)
    /// SES rejected the message (MessageRejected).
    #[diagnosis(
        title = "Message rejected",
        cause = "SES refused the message (its content or headers).",
        action = "Read the message SES returned; fix the named problem and send again.",
        field = None,
        retryable = false,
    )]
    SesMessageRejected = "ses-message-rejected",
    /// The custom MAIL FROM domain is not verified (MailFromDomainNotVerified).
    #[diagnosis(
        title = "MAIL FROM domain not verified",
        cause = "The identity's custom MAIL FROM domain has no verified MX and SPF records, and it is set to reject mail in that case.",
        action = "Publish the MAIL FROM MX and SPF records, or set the behavior on MX failure to use the default MAIL FROM.",
        field = None,
        retryable = false,
    )]
    SesMailFromNotVerified = "ses-mail-from-not-verified",
    /// The account is in the SES sandbox: recipients must be verified too.
    #[diagnosis(
        title = "Email address is not verified (sandbox)",
        cause = "The account is in the SES sandbox, where every recipient must be verified too.",
        action = "Send to a verified address or a mailbox-simulator address (success@simulator.amazonses.com), or request production access for the account.",
        field = Some("to"),
        retryable = false,
    )]
    SesSandbox = "ses-sandbox",
    /// Sending is paused for the account or configuration set.
    #[diagnosis(
        title = "Sending paused",
        cause = "Sending is paused for the account or the configuration set, often after high bounce or complaint rates.",
        action = "Resolve the cause shown in the SES console's reputation dashboard, then resume sending.",
        field = None,
        retryable = false,
    )]
    SesSendingPaused = "ses-sending-paused",
    /// SES is throttling requests (TooManyRequests / Throttling).
    #[diagnosis(
        title = "Too many requests",
        cause = "SES is throttling this account's API calls.",
        action = "Wait a moment and try again.",
        field = None,
        retryable = true,
    )]
    SesThrottled = "ses-throttled",
    /// An SES limit was reached (LimitExceeded).
    #[diagnosis(
        title = "Limit exceeded",
        cause = "An SES quota was reached (identities per region, sending rate or daily quota).",
        action = "Delete unused identities or request a higher quota.",
        field = None,
        retryable = true,
    )]
    SesLimitExceeded = "ses-limit-exceeded",
    /// The identity already exists in SES (AlreadyExists).
    #[diagnosis(
        title = "Identity already exists",
        cause = "SES already has this identity in the account's region.",
        action = "Open the existing identity instead of creating it again.",
        field = Some("identity"),
        retryable = false,
    )]
    SesAlreadyExists = "ses-already-exists",
    /// SES does not know this identity (NotFound).
    #[diagnosis(
        title = "Identity not found",
        cause = "SES has no such identity in this region.",
        action = "Create the identity first, or check the region.",
        field = Some("identity"),
        retryable = false,
    )]
    SesNotFound = "ses-not-found",
    /// SES refused the request as malformed (BadRequest).
    #[diagnosis(
        title = "Bad request",
        cause = "SES refused the request as invalid.",
        action = "Read SES's message; it names the invalid parameter.",
        field = None,
        retryable = false,
    )]
    SesBadRequest = "ses-bad-request",
    /// The platform's AWS role may not make this call (AccessDenied).
    #[diagnosis(
        title = "Access denied",
        cause = "The platform's AWS role may not make this call.",
        action = "The platform operator must grant this SES action to the function's role.",
        field = None,
        retryable = false,
    )]
    SesAccessDenied = "ses-access-denied",
    /// An SES error not otherwise recognized.
    #[diagnosis(
        title = "SES error",
        cause = "SES returned an error Sendready does not recognize.",
        action = "Read SES's message; try again later if it looks temporary.",
        field = None,
        retryable = true,
    )]
    SesUnknown = "ses-unknown",
    /// An AWS service (SES, Route 53, DynamoDB) did not answer, throttled, or failed on its
    /// side; the request can be retried shortly.
    AwsUnavailable = "aws-unavailable",

    // ---- verification status (diagnose), SES v2 VerificationInfo
    /// Verification has not started.
    #[diagnosis(
        title = "Not started",
        cause = "Verification has not started for this identity.",
        action = "Create the identity again or click Retry.",
        field = None,
        retryable = false,
    )]
    VerificationNotStarted = "verification-not-started",
    /// SES is waiting to find a domain's records.
    #[diagnosis(
        title = "Pending",
        cause = "SES has not found the domain's DNS records yet.",
        action = "Publish the records shown for this domain at your DNS host (or with Publish to Route 53). SES finds them within hours; verification can take up to 72 hours.",
        field = None,
        retryable = true,
    )]
    VerificationPending = "verification-pending",
    /// An email identity waits for the link in SES's verification email to be clicked.
    #[diagnosis(
        title = "Pending",
        cause = "SES sent a verification email to this address, and its link has not been clicked yet.",
        action = "Open the email from Amazon Web Services at this address (check spam) and click its link; it is valid for 24 hours. Once it has expired, Retry sends a new one.",
        field = None,
        retryable = true,
    )]
    VerificationEmailPending = "verification-email-pending",
    /// Every record SES needs is in live DNS, and SES still says pending: it has not looked
    /// again yet (it checks periodically, for up to 72 hours).
    #[diagnosis(
        title = "DNS is correct; SES has not checked again yet",
        cause = "Every record SES needs is published and resolves, but SES looks for them on its own schedule, so its status still says pending. This is not a failure.",
        action = "Nothing to change: SES checks again within hours (at most 72 after the identity was added). Check again later.",
        field = None,
        retryable = true,
    )]
    VerificationDnsReady = "verification-dns-ready",
    /// The identity is verified.
    #[diagnosis(
        title = "Success",
        cause = "SES verified the identity.",
        action = "Nothing to do: you can send from it.",
        field = None,
        retryable = false,
    )]
    VerificationSuccess = "verification-success",
    /// Verification failed; publish the records again and retry.
    #[diagnosis(
        title = "Failed",
        cause = "SES stopped looking for the domain's records: 72 hours passed without finding them.",
        action = "Publish the records again and click Retry.",
        field = None,
        retryable = false,
    )]
    VerificationFailed = "verification-failed",
    /// An email identity's verification link expired unclicked.
    #[diagnosis(
        title = "Failed",
        cause = "The link in SES's verification email was not clicked within 24 hours, so it expired.",
        action = "Click Retry to have SES send a new verification email, then click its link within 24 hours.",
        field = None,
        retryable = false,
    )]
    VerificationEmailFailed = "verification-email-failed",
    /// A temporary problem stopped SES from checking; it keeps trying.
    #[diagnosis(
        title = "Temporary failure",
        cause = "A temporary problem stopped SES from checking; it keeps trying.",
        action = "Wait; if it stays, check that the records are still published.",
        field = None,
        retryable = true,
    )]
    VerificationTemporaryFailure = "verification-temporary-failure",
    /// SES could not reach the domain's DNS servers.
    #[diagnosis(
        title = "DNS server error",
        cause = "SES could not reach the domain's DNS servers.",
        action = "Check that your DNS provider is up and the domain's NS records are right; SES retries on its own.",
        field = None,
        retryable = true,
    )]
    VerificationDnsServerError = "verification-dns-server-error",
    /// SES found no records at the expected name.
    #[diagnosis(
        title = "Records not found",
        cause = "SES found no record at the names it checks.",
        action = "Publish the DKIM records exactly as shown (watch for the zone typed twice), then click Retry.",
        field = None,
        retryable = false,
    )]
    VerificationHostNotFound = "verification-host-not-found",
    /// SES found the name but not a record of the expected type.
    #[diagnosis(
        title = "Wrong record type",
        cause = "SES found the names but not records of the expected type (CNAME for Easy DKIM, TXT for BYODKIM).",
        action = "Change the records to the type shown, then click Retry.",
        field = None,
        retryable = false,
    )]
    VerificationTypeNotFound = "verification-type-not-found",
    /// SES found the record but its value is wrong.
    #[diagnosis(
        title = "Wrong record value",
        cause = "SES found the records but their values are not the expected ones.",
        action = "Copy the values again exactly (no quotes or extra spaces added by the DNS host), then click Retry.",
        field = None,
        retryable = false,
    )]
    VerificationInvalidValue = "verification-invalid-value",
    /// Replicating DKIM from a parent identity in another region failed.
    #[diagnosis(
        title = "DKIM replication failed",
        cause = "Replicating the DKIM setup from the parent identity in another region failed.",
        action = "Check the parent identity exists, uses Easy DKIM, and is in a supported region.",
        field = None,
        retryable = false,
    )]
    VerificationReplicationError = "verification-replication-error",
}

impl Code {
    /// The catalogue as a Markdown table (the content of `docs/codes.md`).
    pub fn catalogue_markdown() -> String {
        let mut out = String::from(
            "# Sendready codes\n\nGenerated by `sendready codes`; a test keeps this file current.\n\n| code | meaning |\n| --- | --- |\n",
        );
        for code in Code::ALL {
            out.push_str("| `");
            out.push_str(code.as_str());
            out.push_str("` | ");
            out.push_str(code.summary());
            out.push_str(" |\n");
        }
        out
    }
}

impl core::fmt::Display for Code {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Code::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown code `{s}`")))
    }
}

/// The catalogue's explanation of a failure: the diagnosis text of a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Explanation {
    /// The error as products show it (the seeds' wording).
    pub title: &'static str,
    /// Why it happens.
    pub cause: &'static str,
    /// What to do.
    pub action: &'static str,
    /// The settings field to look at, if one.
    pub field: Option<&'static str>,
    /// True when trying again later may succeed without a change.
    pub retryable: bool,
}

/// A code with its meaning, as `explain` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct CodeInfo {
    /// The code.
    pub code: Code,
    /// One-line description (the catalogue's text, `docs/codes.md`).
    pub summary: &'static str,
    /// For a code that explains a failure: its title, cause and action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// Looks up a code by its identifier; an unknown identifier is an `input-invalid` error.
pub fn explain(code: &str) -> Report<CodeInfo> {
    let mut issues = Issues::new();
    let value = Code::parse(code.trim()).map(|c| CodeInfo {
        code: c,
        summary: c.summary(),
        explanation: c.explanation(),
    });
    if value.is_none() {
        issues.error(
            "code",
            Code::InputInvalid,
            format!(
                "\"{}\" is not a Sendready code; the catalogue (docs/codes.md) lists them all.",
                code.trim()
            ),
        );
    }
    Report::new(value, issues)
}

/// How much an issue matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The value cannot be used as it is.
    Error,
    /// The value can be used but will probably not work as intended.
    Warning,
    /// Advice; nothing is wrong.
    Hint,
}

/// One finding about one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Issue {
    /// The field the issue is about, in the camelCase of the JSON form (`fromAddress`,
    /// `additionalHeaders[2]`).
    pub field: String,
    /// Stable identifier from the catalogue.
    pub code: Code,
    /// Error, warning or hint.
    pub severity: Severity,
    /// What is wrong and what to do, in one or two English sentences.
    pub message: String,
}

/// The outcome of a check: the normalized value when the input could be read, and issues.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Report<T> {
    /// True when no issue is an error.
    pub valid: bool,
    /// The normalized value (punycode domain, trimmed fields...), when one could be made.
    pub value: Option<T>,
    /// Everything found, errors first within each field in the order checked.
    pub issues: Vec<Issue>,
}

impl<T> Report<T> {
    /// Builds a report; `valid` follows from the issues.
    pub fn new(value: Option<T>, issues: Issues) -> Self {
        let issues = issues.into_vec();
        let valid = !issues.iter().any(|i| i.severity == Severity::Error);
        Report {
            valid,
            value,
            issues,
        }
    }

    /// True when some issue carries this code.
    pub fn has(&self, code: Code) -> bool {
        self.issues.iter().any(|i| i.code == code)
    }

    /// The codes of all issues, in order.
    pub fn codes(&self) -> Vec<Code> {
        self.issues.iter().map(|i| i.code).collect()
    }

    /// Maps the value, keeping the issues.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Report<U> {
        Report {
            valid: self.valid,
            value: self.value.map(f),
            issues: self.issues,
        }
    }
}

/// A growing list of issues, used while a check runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Issues(Vec<Issue>);

impl Issues {
    /// An empty list.
    pub fn new() -> Self {
        Issues(Vec::new())
    }

    /// Adds an issue.
    pub fn push(
        &mut self,
        field: &str,
        code: Code,
        severity: Severity,
        message: impl Into<String>,
    ) {
        self.0.push(Issue {
            field: field.to_owned(),
            code,
            severity,
            message: message.into(),
        });
    }

    /// Adds an error.
    pub fn error(&mut self, field: &str, code: Code, message: impl Into<String>) {
        self.push(field, code, Severity::Error, message);
    }

    /// Adds a warning.
    pub fn warning(&mut self, field: &str, code: Code, message: impl Into<String>) {
        self.push(field, code, Severity::Warning, message);
    }

    /// Adds a hint.
    pub fn hint(&mut self, field: &str, code: Code, message: impl Into<String>) {
        self.push(field, code, Severity::Hint, message);
    }

    /// Moves another check's issues in.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Issue>) {
        self.0.extend(other);
    }

    /// True when any issue is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|i| i.severity == Severity::Error)
    }

    /// Number of errors so far (to tell whether a sub-check added any).
    pub fn error_count(&self) -> usize {
        self.0
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .count()
    }

    /// True when some issue carries this code.
    pub fn has(&self, code: Code) -> bool {
        self.0.iter().any(|i| i.code == code)
    }

    /// The issues.
    pub fn into_vec(self) -> Vec<Issue> {
        self.0
    }

    /// Read access.
    pub fn as_slice(&self) -> &[Issue] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_kebab_case_unique_and_parses_back() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(
                s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{s}"
            );
            assert!(
                !s.starts_with('-') && !s.ends_with('-') && !s.contains("--"),
                "{s}"
            );
            assert!(seen.insert(s), "duplicate code {s}");
            assert_eq!(Code::parse(s), Some(*code));
            assert!(!code.summary().is_empty());
        }
    }

    #[test]
    fn docs_codes_md_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/codes.md");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        if on_disk != Code::catalogue_markdown() {
            if std::env::var_os("SENDREADY_BLESS").is_some() {
                std::fs::write(path, Code::catalogue_markdown()).unwrap();
            } else {
                panic!(
                    "docs/codes.md is out of date: run `SENDREADY_BLESS=1 cargo test -p sendready-core docs_codes_md_is_current`"
                );
            }
        }
    }

    #[test]
    fn report_is_valid_only_without_errors() {
        let mut issues = Issues::new();
        issues.warning("host", Code::HostIpLiteral, "w");
        let r: Report<()> = Report::new(Some(()), issues.clone());
        assert!(r.valid);
        issues.error("host", Code::HostEmpty, "e");
        let r: Report<()> = Report::new(None, issues);
        assert!(!r.valid);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["issues"][1]["code"], "host-empty");
        assert_eq!(json["issues"][1]["severity"], "error");
    }
}
