//! Who is calling: the tenant and scopes from the JWT claims that API Gateway's JWT
//! authorizer has already verified (in Lambda), or that the local server verifies itself
//! from a locally signed token (`sendready-local`). Never from the body or the path.

use crate::error::Problem;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sendready_core::Code;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// The caller, as the authorizer's claims describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The tenant every route is scoped to.
    pub tenant: String,
    /// The subject (user or client id), for logs.
    pub subject: String,
    /// OAuth scopes (`scope` claim, space-separated).
    pub scopes: Vec<String>,
}

impl Caller {
    /// True when the token carries the platform-admin scope.
    pub fn is_admin(&self) -> bool {
        self.scopes.iter().any(|s| s == ADMIN_SCOPE)
    }

    /// `Ok` when the token carries the platform-admin scope; 403 naming the scope and
    /// what needed it otherwise.
    pub fn require_admin(&self, what: &str) -> Result<(), Problem> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                Code::AuthForbidden,
                format!("{what} needs the {ADMIN_SCOPE} scope."),
            ))
        }
    }

    /// `Ok` when the token carries `scope` or the platform-admin scope; 403 naming `scope`
    /// and what needed it otherwise.
    pub fn require_scope_or_admin(&self, scope: &str, what: &str) -> Result<(), Problem> {
        if self.is_admin() {
            return Ok(());
        }
        self.require_scope(scope, what)
    }

    /// `Ok` when the token carries `scope`; 403 naming it and what needed it otherwise.
    pub fn require_scope(&self, scope: &str, what: &str) -> Result<(), Problem> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                Code::AuthForbidden,
                format!("{what} needs the {scope} scope."),
            ))
        }
    }

    /// Reads a caller from verified claims; `tenant_claim` names the claim that holds the
    /// tenant (a template parameter in AWS, e.g. `custom:tenant`).
    pub fn from_claims(
        claims: &HashMap<String, serde_json::Value>,
        tenant_claim: &str,
    ) -> Option<Caller> {
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let tenant = claims
            .get(tenant_claim)
            .and_then(text)
            .filter(|t| !t.is_empty())?;
        let subject = claims.get("sub").and_then(text).unwrap_or_default();
        let scopes = match claims.get("scope") {
            Some(serde_json::Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(text).collect(),
            _ => Vec::new(),
        };
        Some(Caller {
            tenant,
            subject,
            scopes,
        })
    }
}

/// The scope that may set a tenant's active users (`PUT /v1/tenants/{tenant}/users`).
pub const ADMIN_SCOPE: &str = "sendready/admin";

/// The scope that may change a tenant's email settings (`PUT /v1/settings`): the platform
/// grants it to the people who administer a tenant's mail; every user of the tenant may
/// read the settings and test them, but not change where mail goes or what signs in.
pub const SETTINGS_SCOPE: &str = "sendready/settings";

/// The scope a platform's notification service needs to send messages for a tenant
/// (`POST /v1/messages`), on its own machine client.
pub const SEND_SCOPE: &str = "sendready/send";

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            Problem::new(
                StatusCode::UNAUTHORIZED,
                Code::AuthMissing,
                "Send a bearer token whose claims name the tenant.",
            )
            .into_response()
        })
    }
}

/// Verifies locally signed tokens (HS256) in place of API Gateway's authorizer.
#[derive(Clone)]
pub struct LocalJwt {
    key: Arc<(EncodingKey, DecodingKey)>,
    issuer: String,
    audience: String,
    tenant_claim: String,
}

impl std::fmt::Debug for LocalJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalJwt")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct Minted {
    iss: String,
    aud: String,
    sub: String,
    exp: u64,
    scope: String,
    #[serde(flatten)]
    extra: HashMap<String, serde_json::Value>,
}

impl LocalJwt {
    /// A verifier (and minter, for the local stack's login and tests) for one secret.
    pub fn new(secret: &[u8], issuer: &str, audience: &str, tenant_claim: &str) -> Self {
        LocalJwt {
            key: Arc::new((
                EncodingKey::from_secret(secret),
                DecodingKey::from_secret(secret),
            )),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            tenant_claim: tenant_claim.to_owned(),
        }
    }

    /// Signs a token for `tenant` valid for `ttl_secs` (negative: already expired, for tests).
    pub fn mint(&self, subject: &str, tenant: &str, scopes: &[&str], ttl_secs: i64) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut extra = HashMap::new();
        extra.insert(
            self.tenant_claim.clone(),
            serde_json::Value::String(tenant.to_owned()),
        );
        let claims = Minted {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: subject.to_owned(),
            exp: now.saturating_add_signed(ttl_secs),
            scope: scopes.join(" "),
            extra,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.key.0)
            .unwrap_or_default()
    }

    /// Verifies a bearer token: signature, expiry, issuer, audience, and a tenant claim.
    pub fn verify(&self, token: &str) -> Result<Caller, String> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data =
            jsonwebtoken::decode::<HashMap<String, serde_json::Value>>(token, &self.key.1, &v)
                .map_err(|e| format!("the token was refused: {e}"))?;
        Caller::from_claims(&data.claims, &self.tenant_claim).ok_or_else(|| {
            format!(
                "the token has no `{}` claim naming the tenant",
                self.tenant_claim
            )
        })
    }
}

/// Middleware for the local server: a valid bearer token becomes the request's [`Caller`];
/// anything else is 401 before a handler runs.
pub async fn local_jwt(State(jwt): State<LocalJwt>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return Problem::new(
            StatusCode::UNAUTHORIZED,
            Code::AuthMissing,
            "Send `Authorization: Bearer <token>`.",
        )
        .into_response();
    };
    match jwt.verify(token) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => Problem::new(StatusCode::UNAUTHORIZED, Code::AuthInvalid, e).into_response(),
    }
}
