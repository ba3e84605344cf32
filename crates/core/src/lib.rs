//! Sendready's rules, with no I/O: SMTP settings, email addresses and host names (with
//! IDNA), tenant identity rules and sender authorization, DNS records (DKIM, SPF, DMARC,
//! custom MAIL FROM), provider presets, and a catalogue that explains failures.
//!
//! Every check returns a [`Report`]: the normalized value and a list of [`Issue`]s, each
//! with a stable [`Code`] (see `docs/codes.md`). The crate builds for
//! `wasm32-unknown-unknown`; it has no async, no randomness and no regex engine.

pub mod address;
pub mod api;
pub mod diagnose;
pub mod dns;
pub mod events;
pub mod host;
pub mod identity;
pub mod provider;
pub mod report;
pub mod ses;
pub mod settings;
pub mod smtp;
pub mod text;
pub mod tracking;
pub mod transport;

pub use report::{Code, CodeInfo, Explanation, Issue, Issues, Report, Severity, explain};
