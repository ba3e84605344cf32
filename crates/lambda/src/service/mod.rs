//! The product's logic over the ports: identity ownership, records, views, publishing,
//! verification, test mail and SMTP checks. No axum and no SDK here; a service takes
//! plain values and the caller's tenant, and answers a value or a [`crate::error::Problem`].

pub mod events;
pub mod identities;
pub mod mail_from;
pub mod messages;
pub mod policy;
pub mod publish;
pub mod reconcile;
pub mod secrets;
pub mod ses_tenant;
pub mod settings;
pub mod smtp;
pub mod tenant;
pub mod test_mail;
pub mod track;
pub mod verify;
