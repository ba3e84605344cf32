//! Adapters: one file per outside system, holding every call to it and the mapping of its
//! errors to the ports' types. Services never see an SDK type.

pub mod dynamodb;
pub mod eventbridge;
pub mod hickory;
pub mod kms;
pub mod lettre;
pub mod route53;
pub mod sdk;
pub mod sesv2;
pub mod sqs;
pub mod webhook;
