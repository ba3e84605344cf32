//! `POST /v1/identities/{identity}/verify`: checks the identity's records in live DNS
//! now, record by record, and does the seeds' "Retry": an email identity that is not
//! verified is created again (SES mails the verification link again); a domain whose
//! Easy DKIM verification failed has its DKIM signing restarted.

use crate::api::AppState;
use crate::auth::Caller;
use crate::aws;
use crate::dnscheck::RecordCheck;
use crate::identities::{owned, records_for, ses_delete, ses_get};
use crate::problem::Problem;
use aws_sdk_sesv2::types::{DkimSigningAttributesOrigin, VerificationStatus};
use axum::Json;
use axum::extract::{Path, State};
use sendready_core::diagnose::{self, Diagnosis};
use sendready_core::identity::IdentityKind;
use serde::Serialize;

/// The outcome of a verify call.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// The identity.
    pub identity: String,
    /// SES's status before any retry.
    pub verification_status: String,
    /// The status explained.
    pub verification: Diagnosis,
    /// One result per record (required records first; `required` says which).
    pub checks: Vec<Check>,
    /// True when every required record is found.
    pub all_required_found: bool,
    /// What the retry did, if one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<String>,
}

/// A record's result and whether verification needs it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// The result.
    #[serde(flatten)]
    pub check: RecordCheck,
    /// False for suggestions (DMARC).
    pub required: bool,
}

/// Checks the records and retries where the seeds do.
pub async fn verify(
    State(st): State<AppState>,
    caller: Caller,
    Path(identity): Path<String>,
) -> Result<Json<Verification>, Problem> {
    let o = owned(&st, &caller.tenant, &identity).await?;
    let r = ses_get(&st, &o.identity).await?;
    let status = r
        .verification_status()
        .cloned()
        .unwrap_or(VerificationStatus::NotStarted);
    let error_type = r
        .verification_info()
        .and_then(|i| i.error_type())
        .map(|e| e.as_str().to_owned());
    let dns = st.dns()?;
    let mut checks = Vec::new();
    for (record, required) in records_for(&st, &o, &r) {
        checks.push(Check {
            check: dns.check(&record, o.domain()).await,
            required,
        });
    }
    let all_required_found = checks.iter().filter(|c| c.required).all(|c| c.check.ok);
    let ses = st.ses()?;
    let retry = match o.kind {
        IdentityKind::Email if !r.verified_for_sending_status() => {
            ses_delete(&st, &o.identity, "Retrying the email identity").await?;
            ses.create_email_identity()
                .email_identity(&o.identity)
                .send()
                .await
                .map_err(|e| aws::problem(&e, "Retrying the email identity"))?;
            Some(format!(
                "SES sent the verification mail to {} again; open the link in it within 24 hours.",
                o.identity
            ))
        }
        IdentityKind::Domain if status == VerificationStatus::Failed => {
            let origin = r
                .dkim_attributes()
                .and_then(|d| d.signing_attributes_origin().cloned());
            if origin == Some(DkimSigningAttributesOrigin::AwsSes) && all_required_found {
                ses.put_email_identity_dkim_signing_attributes()
                    .email_identity(&o.identity)
                    .signing_attributes_origin(DkimSigningAttributesOrigin::AwsSes)
                    .send()
                    .await
                    .map_err(|e| aws::problem(&e, "Restarting DKIM verification"))?;
                Some("The records are in place, so SES was asked to start DKIM verification again; it checks within the next hours.".to_owned())
            } else if all_required_found {
                Some("The records are in place; SES checks BYODKIM domains again by itself. If it still fails after 72 hours, delete the identity and add it again.".to_owned())
            } else {
                Some(
                    "Not retried: fix the records marked missing or wrong first, then retry."
                        .to_owned(),
                )
            }
        }
        _ => None,
    };
    tracing::info!(tenant = %caller.tenant, identity = %o.identity, all_required_found, retried = retry.is_some(), "identity verified");
    Ok(Json(Verification {
        identity: o.identity.clone(),
        verification: diagnose::verification(status.as_str(), error_type.as_deref()),
        verification_status: status.as_str().to_owned(),
        checks,
        all_required_found,
        retry,
    }))
}
