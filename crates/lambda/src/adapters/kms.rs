//! The sealer over KMS: `Encrypt` and `Decrypt` under one key, with an encryption context
//! naming the tenant, the field and the SMTP server (host, port, username) the secret may
//! be used with, so a ciphertext copied into another tenant's item or field, or opened to
//! sign in anywhere else, does not decrypt (KMS Developer Guide, "Encryption context"):
//! the binding is KMS's to enforce, not only this code's.

use super::sdk::{aws_error, build_error};
use crate::ports::AwsError;
use crate::ports::settings::{Binding, Sealer};
use async_trait::async_trait;
use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use std::collections::HashMap;

/// The encryption context key that names the tenant.
pub const TENANT_CONTEXT: &str = "sendready:tenant";
/// The encryption context key that names the field.
pub const FIELD_CONTEXT: &str = "sendready:field";
/// The encryption context keys that name the server a secret may be used with.
pub const HOST_CONTEXT: &str = "sendready:smtp-host";
/// The port.
pub const PORT_CONTEXT: &str = "sendready:smtp-port";
/// The username.
pub const USERNAME_CONTEXT: &str = "sendready:smtp-username";

/// The encryption context of a secret: the tenant, the field, and where it may be used.
fn context(tenant: &str, field: &str, to: Option<&Binding>) -> HashMap<String, String> {
    let mut c = HashMap::from([
        (TENANT_CONTEXT.to_owned(), tenant.to_owned()),
        (FIELD_CONTEXT.to_owned(), field.to_owned()),
    ]);
    if let Some(b) = to {
        c.insert(HOST_CONTEXT.to_owned(), b.host.clone());
        c.insert(PORT_CONTEXT.to_owned(), b.port.to_string());
        c.insert(USERNAME_CONTEXT.to_owned(), b.username.clone());
    }
    c
}

/// KMS under one key (id, ARN or `alias/...`).
#[derive(Clone, Debug)]
pub struct Kms {
    client: Client,
    key_id: String,
}

impl Kms {
    /// The sealer over a client (tests pass a mocked one), with `key_id`.
    pub fn new(client: Client, key_id: &str) -> Self {
        Kms {
            client,
            key_id: key_id.to_owned(),
        }
    }

    /// The sealer over `conf`, with `key_id`.
    pub fn from_conf(conf: &aws_config::SdkConfig, key_id: &str) -> Self {
        Kms {
            client: Client::new(conf),
            key_id: key_id.to_owned(),
        }
    }
}

#[async_trait]
impl Sealer for Kms {
    async fn seal(
        &self,
        tenant: &str,
        field: &str,
        to: &Binding,
        plaintext: &str,
    ) -> Result<Vec<u8>, AwsError> {
        let out = self
            .client
            .encrypt()
            .key_id(&self.key_id)
            .plaintext(Blob::new(plaintext.as_bytes()))
            .set_encryption_context(Some(context(tenant, field, Some(to))))
            .send()
            .await
            .map_err(|e| aws_error("Sealing a secret with KMS", &e))?;
        out.ciphertext_blob()
            .map(|b| b.as_ref().to_vec())
            .ok_or_else(|| build_error("Sealing a secret with KMS", &"KMS returned no ciphertext"))
    }

    async fn open(
        &self,
        tenant: &str,
        field: &str,
        to: Option<&Binding>,
        sealed: &[u8],
    ) -> Result<String, AwsError> {
        const WHAT: &str = "Opening a sealed secret with KMS";
        let out = self
            .client
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(sealed))
            .set_encryption_context(Some(context(tenant, field, to)))
            .send()
            .await
            .map_err(|e| aws_error(WHAT, &e))?;
        let plain = out
            .plaintext()
            .ok_or_else(|| build_error(WHAT, &"KMS returned no plaintext"))?;
        String::from_utf8(plain.as_ref().to_vec()).map_err(|e| build_error(WHAT, &e))
    }
}
