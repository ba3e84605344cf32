//! Real components for the backend's tests, started per test binary and stopped on drop.
#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]
// Every child is owned by a guard whose Drop kills and waits for it; the lint cannot
// see through the guard.
#![allow(clippy::zombie_processes)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python that has the test services' packages (`scripts/setup` makes `.venv`).
pub fn python() -> PathBuf {
    let p = std::env::var_os("SENDREADY_PYTHON")
        .map_or_else(|| repo().join(".venv/bin/python"), PathBuf::from);
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup (it creates .venv with tests/requirements.txt)",
        p.display()
    );
    p
}

/// `tests/smtp_server.py` on loopback: STARTTLS, implicit TLS, plain (AUTH required) and
/// silent ports, one user with a password and one OAuth 2.0 token.
pub struct SmtpServer {
    child: Child,
    pub starttls: u16,
    pub tls: u16,
    pub plain: u16,
    pub silent: u16,
    pub ca_pem: Vec<u8>,
    pub maildir: PathBuf,
    _state: tempdir::TempDir,
}

pub const USER: &str = "ops@example.com";
pub const PASSWORD: &str = "correct horse battery staple";
pub const TOKEN: &str = "ya29.sendready-test-token";

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let state = tempdir::TempDir::new();
        let mut child = Command::new(python())
            .arg(repo().join("tests/smtp_server.py"))
            .args(["--state-dir", state.path.to_str().unwrap()])
            .args(["--user", &format!("{USER}:{PASSWORD}")])
            .args(["--token", &format!("{USER}:{TOKEN}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tests/smtp_server.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("smtp_server.py did not start ({e}): {line:?}"));
        let port = |k: &str| u16::try_from(v["ports"][k].as_u64().unwrap()).unwrap();
        SmtpServer {
            starttls: port("starttls"),
            tls: port("tls"),
            plain: port("plain"),
            silent: port("silent"),
            ca_pem: std::fs::read(v["ca"].as_str().unwrap()).unwrap(),
            maildir: PathBuf::from(v["maildir"].as_str().unwrap()),
            child,
            _state: state,
        }
    }

    /// The messages received so far: (envelope JSON, raw message).
    pub fn messages(&self) -> Vec<(serde_json::Value, String)> {
        let mut out = Vec::new();
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.maildir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        for eml in names {
            let meta = std::fs::read_to_string(eml.with_extension("json")).unwrap();
            out.push((
                serde_json::from_str(&meta).unwrap(),
                std::fs::read_to_string(&eml).unwrap(),
            ));
        }
        out
    }
}

impl SmtpServer {
    /// Stops the server: every port then refuses connections.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// moto server (SES v2, DynamoDB, Route 53) on 127.0.0.1, one per test.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    pub fn start() -> Moto {
        let port = closed_port();
        let child = Command::new(python())
            .arg(repo().join("tests/moto_server.py"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto server");
        let url = format!("http://127.0.0.1:{port}");
        let moto = Moto { child, url };
        for _ in 0..150 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return moto;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("moto server did not listen on {port} within 15 s");
    }

    /// moto's view of its backends (`/moto-api/data.json`), e.g. the messages SES sent.
    pub fn data(&self) -> serde_json::Value {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET /moto-api/data.json HTTP/1.0\r\nHost: {addr}\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap()
    }

    /// Calls a control endpoint of the local SES (`tests/ses_emulation.py`):
    /// `verify-email`, `config`, `account`, `faults`, `events`, `messages`, `state`.
    /// With a body it is a POST, without one a GET.
    pub fn ses(&self, action: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        self.control(&format!("/_sendready/ses/{action}"), body)
    }

    /// Makes the next `count` calls of a DynamoDB, Route 53 or KMS operation (`*` for
    /// every one) fail with `error`, after letting `after` calls through
    /// (`tests/fault_switch.py`).
    pub fn fault(&self, service: &str, operation: &str, error: &str, count: u32, after: u32) {
        self.control(
            "/_sendready/faults",
            Some(serde_json::json!({
                "service": service, "operation": operation, "error": error,
                "count": count, "after": after
            })),
        );
    }

    /// Clears every DynamoDB, Route 53 and KMS fault switch.
    pub fn clear_faults(&self) {
        self.control("/_sendready/faults", Some(serde_json::json!({})));
    }

    /// A control endpoint of the local stack, answered with 200 and JSON.
    fn control(&self, path: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        let action = path;
        match body {
            Some(b) => {
                let b = b.to_string();
                write!(
                    s,
                    "POST {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
                    b.len()
                )
                .unwrap();
            }
            None => write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap(),
        }
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        assert!(head.contains(" 200 "), "local SES {action}: {raw}");
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
    }

    /// "Opens the link" SES mailed to an email identity, which verifies it.
    pub fn click_verification_link(&self, identity: &str) {
        self.ses(
            "verify-email",
            Some(serde_json::json!({ "identity": identity })),
        );
    }

    /// SDK configuration pointing at this moto, with fixed test credentials.
    pub async fn sdk(&self) -> aws_config::SdkConfig {
        sendready_lambda::adapters::sdk::loader()
            .endpoint_url(&self.url)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sesv2::config::Credentials::new(
                "testing", "testing", None, None, "moto",
            ))
            .load()
            .await
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// dnsmasq on 127.0.0.1 serving exactly the given records and nothing else (every other
/// name is NXDOMAIN; it never forwards a query).
pub struct Dnsmasq {
    child: Child,
    pub addr: std::net::SocketAddr,
    _dir: tempdir::TempDir,
}

/// One record for dnsmasq: `("txt", name, ["string", ...])`, `("cname", name, [target])`,
/// `("mx", name, [exchange, preference])`, `("a", name, [ip])`.
pub type Rec<'a> = (&'a str, &'a str, Vec<String>);

impl Dnsmasq {
    pub fn start(records: &[Rec<'_>]) -> Dnsmasq {
        let bin = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("dnsmasq is missing: scripts/setup installs Debian's dnsmasq");
        let dir = tempdir::TempDir::new();
        let port = closed_port();
        let user = std::env::var("USER").unwrap_or_else(|_| "root".to_owned());
        let mut conf = format!(
            "port={port}\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\nno-poll\nlocal=/#/\nuser={user}\npid-file=\n"
        );
        for (kind, name, values) in records {
            let line = match *kind {
                "txt" => format!(
                    "txt-record={name},{}",
                    values
                        .iter()
                        .map(|v| format!("\"{v}\""))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                "cname" => format!("cname={name},{}", values[0]),
                "mx" => format!("mx-host={name},{},{}", values[0], values[1]),
                "a" => format!("host-record={name},{}", values[0]),
                other => panic!("unknown record kind {other}"),
            };
            conf.push_str(&line);
            conf.push('\n');
        }
        let file = dir.path.join("dnsmasq.conf");
        std::fs::write(&file, conf).unwrap();
        let child = Command::new(bin)
            .arg("--keep-in-foreground")
            .arg(format!("--conf-file={}", file.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dnsmasq");
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        for _ in 0..100 {
            if std::net::TcpStream::connect(addr).is_ok() {
                return Dnsmasq {
                    child,
                    addr,
                    _dir: dir,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("dnsmasq did not listen on {addr}");
    }
}

impl Dnsmasq {
    /// dnsmasq serving exactly these CNAMEs (`(name, target)`).
    pub fn cnames(records: &[(String, String)]) -> Dnsmasq {
        let recs: Vec<Rec<'_>> = records
            .iter()
            .map(|(n, v)| ("cname", n.as_str(), vec![v.clone()]))
            .collect();
        Dnsmasq::start(&recs)
    }
}

/// The CNAMEs an identity view (`GET /v1/identities/{identity}`) asks for, as
/// `(name, value)`.
pub fn view_cnames(view: &serde_json::Value) -> Vec<(String, String)> {
    view["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "CNAME")
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The local verifier the tests' routers use.
pub fn jwt() -> sendready_lambda::auth::LocalJwt {
    sendready_lambda::auth::LocalJwt::new(
        b"test secret",
        "sendready-local",
        "sendready-local",
        "tenant",
    )
}

/// One request through the router: status, content type and the JSON body (or null).
pub async fn call(
    app: &axum::Router,
    token: Option<&str>,
    method: axum::http::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (axum::http::StatusCode, String, serde_json::Value) {
    let r = request(app, token, method, path, &[], body).await;
    let ctype = r
        .header(axum::http::header::CONTENT_TYPE.as_str())
        .unwrap_or_default();
    (r.status, ctype, r.body)
}

/// An answer of [`request`]: the status, the headers and the body as JSON (`Null` when
/// it is not JSON).
pub struct Reply {
    pub status: axum::http::StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: serde_json::Value,
}

impl Reply {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

/// One request with `token` (none: anonymous), extra request `headers` and a JSON body.
pub async fn request(
    app: &axum::Router,
    token: Option<&str>,
    method: axum::http::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<serde_json::Value>,
) -> Reply {
    use axum::http::header;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = body.map_or_else(axum::body::Body::empty, |b| {
        axum::body::Body::from(b.to_string())
    });
    let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    }
}

/// A port nothing listens on (bound, then closed).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

mod tempdir {
    use std::path::PathBuf;

    pub struct TempDir {
        pub path: PathBuf,
    }

    impl TempDir {
        pub fn new() -> TempDir {
            let n = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let path =
                std::env::temp_dir().join(format!("sendready-test-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&path).unwrap();
            TempDir { path }
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// An SMTP service with default options.
pub fn default_smtp() -> sendready_lambda::service::smtp::Smtp {
    sendready_lambda::service::smtp::Smtp {
        client: std::sync::Arc::new(sendready_lambda::adapters::lettre::Lettre::default()),
        extra_ports: Vec::new(),
        limiter: std::sync::Arc::new(MemoryLimiter::default()),
        limits: sendready_lambda::ports::Limits::default(),
        saved: None,
    }
}

/// Limits counted in memory, for tests without DynamoDB: the same fixed windows and the
/// same refusals as the DynamoDB counters, in one process.
#[derive(Default)]
pub struct MemoryLimiter {
    uses: std::sync::Mutex<std::collections::HashMap<String, u32>>,
    held: std::sync::Mutex<std::collections::HashMap<String, u32>>,
}

impl MemoryLimiter {
    fn key(tenant: &str, subject: &str, limit: &sendready_lambda::ports::Limit) -> String {
        let window = limit.window.as_secs().max(1);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        format!("{tenant}#{}#{subject}#{}", limit.name, now / window)
    }

    fn exceeded(limit: &sendready_lambda::ports::Limit) -> sendready_lambda::ports::LimitError {
        sendready_lambda::ports::LimitError::Exceeded {
            limit: *limit,
            retry_after: limit.window,
        }
    }
}

#[async_trait::async_trait]
impl sendready_lambda::ports::Limiter for MemoryLimiter {
    async fn take(
        &self,
        tenant: &str,
        subject: &str,
        limit: &sendready_lambda::ports::Limit,
    ) -> Result<(), sendready_lambda::ports::LimitError> {
        let mut uses = self.uses.lock().unwrap();
        let n = uses.entry(Self::key(tenant, subject, limit)).or_insert(0);
        if *n >= limit.max {
            return Err(Self::exceeded(limit));
        }
        *n += 1;
        Ok(())
    }

    async fn check(
        &self,
        tenant: &str,
        subject: &str,
        limit: &sendready_lambda::ports::Limit,
    ) -> Result<(), sendready_lambda::ports::LimitError> {
        let uses = self.uses.lock().unwrap();
        if uses
            .get(&Self::key(tenant, subject, limit))
            .copied()
            .unwrap_or(0)
            >= limit.max
        {
            return Err(Self::exceeded(limit));
        }
        Ok(())
    }

    async fn lease(
        &self,
        tenant: &str,
        share: &sendready_lambda::ports::limits::Share,
    ) -> Result<sendready_lambda::ports::limits::Lease, sendready_lambda::ports::LimitError> {
        let mut held = self.held.lock().unwrap();
        let n = held.entry(format!("{tenant}#{}", share.work)).or_insert(0);
        if *n >= share.max {
            return Err(sendready_lambda::ports::LimitError::Busy {
                share: *share,
                retry_after: std::time::Duration::from_secs(5),
            });
        }
        *n += 1;
        Ok(sendready_lambda::ports::limits::Lease {
            tenant: tenant.to_owned(),
            work: share.work,
            slot: *n - 1,
            holder: String::new(),
        })
    }

    async fn release(&self, lease: &sendready_lambda::ports::limits::Lease) {
        let mut held = self.held.lock().unwrap();
        if let Some(n) = held.get_mut(&format!("{}#{}", lease.tenant, lease.work)) {
            *n = n.saturating_sub(1);
        }
    }
}

/// A resolver for states whose tests never look anything up (it would ask a closed port).
pub fn unused_resolver() -> std::sync::Arc<dyn sendready_lambda::ports::Resolver> {
    std::sync::Arc::new(
        sendready_lambda::adapters::hickory::Dns::new(
            Some(([127, 0, 0, 1], closed_port()).into()),
            std::time::Duration::from_millis(200),
        )
        .unwrap(),
    )
}

/// AWS adapters over a configuration no test call reaches (routes that never call AWS).
pub fn offline_aws() -> sendready_lambda::state::Aws {
    let conf = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .build();
    sendready_lambda::state::Aws::from_sdk(&conf, "sendready-tenants")
}

/// The tenant table on this SDK configuration, made if missing.
pub async fn ensure_table(conf: &aws_config::SdkConfig) {
    sendready_lambda::adapters::dynamodb::DynamoRegistry::new(
        aws_sdk_dynamodb::Client::new(conf),
        "sendready-tenants",
    )
    .ensure_table()
    .await
    .unwrap();
}

/// Calls the API as `tenant` with a local token (`"platform"`: the admin scope).
pub async fn call_as(
    app: &axum::Router,
    tenant: &str,
    method: axum::http::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (axum::http::StatusCode, serde_json::Value) {
    let token = if tenant == "platform" {
        jwt().mint(
            "platform",
            "platform",
            &[sendready_lambda::auth::ADMIN_SCOPE],
            300,
        )
    } else {
        jwt().mint("ops", tenant, &[], 300)
    };
    let (status, _, v) = call(app, Some(&token), method, path, body).await;
    (status, v)
}

/// The platform sets a tenant's active users.
pub async fn users(app: &axum::Router, tenant: &str, emails: &[&str]) {
    let (status, body) = call_as(
        app,
        "platform",
        axum::http::Method::PUT,
        &format!("/v1/tenants/{tenant}/users"),
        Some(serde_json::json!({ "activeUserEmails": emails })),
    )
    .await;
    assert_eq!(status, axum::http::StatusCode::NO_CONTENT, "{body}");
}

/// Creates an identity as `tenant` and expects 201.
pub async fn create_as(
    app: &axum::Router,
    tenant: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let (status, v) = call_as(
        app,
        tenant,
        axum::http::Method::POST,
        "/v1/identities",
        Some(body),
    )
    .await;
    assert_eq!(status, axum::http::StatusCode::CREATED, "{v}");
    v
}

/// The settings key the backend uses by default, made in moto's KMS.
pub async fn settings_key(conf: &aws_config::SdkConfig) {
    let kms = aws_sdk_kms::Client::new(conf);
    let key = kms.create_key().send().await.unwrap();
    let id = key.key_metadata().unwrap().key_id().to_owned();
    kms.create_alias()
        .alias_name("alias/sendready-settings")
        .target_key_id(id)
        .send()
        .await
        .unwrap();
}

/// The whole API over moto (with the settings key) and the SMTP server, its ports
/// allowed and its CA trusted.
pub async fn app_with_smtp(moto: &Moto, server: &SmtpServer) -> axum::Router {
    app_with_smtp_and(moto, server, |_| {}).await
}

/// [`app_with_smtp`] with the adapters changed by `f` first (the platform's sender, say).
pub async fn app_with_smtp_and(
    moto: &Moto,
    server: &SmtpServer,
    f: impl FnOnce(&mut sendready_lambda::state::Aws),
) -> axum::Router {
    app_of(state_with_smtp_and(moto, server, f).await)
}

/// The API over `state`, verifying [`jwt`]'s tokens.
pub fn app_of(state: sendready_lambda::AppState) -> axum::Router {
    sendready_lambda::router(state).layer(axum::middleware::from_fn_with_state(
        jwt(),
        sendready_lambda::auth::local_jwt,
    ))
}

/// The services behind [`app_with_smtp_and`] (for a worker beside the API).
pub async fn state_with_smtp_and(
    moto: &Moto,
    server: &SmtpServer,
    f: impl FnOnce(&mut sendready_lambda::state::Aws),
) -> sendready_lambda::AppState {
    let conf = moto.sdk().await;
    ensure_table(&conf).await;
    settings_key(&conf).await;
    let mut aws = sendready_lambda::state::Aws::from_sdk(&conf, "sendready-tenants");
    f(&mut aws);
    let smtp = sendready_lambda::service::smtp::Smtp {
        client: std::sync::Arc::new(sendready_lambda::adapters::lettre::Lettre {
            opts: sendready_lambda::adapters::lettre::SmtpOptions {
                step_timeout: std::time::Duration::from_millis(1500),
                allow_private: true,
                extra_roots_pem: vec![server.ca_pem.clone()],
                hello_name: "sendready.test".to_owned(),
                resolver: None,
            },
        }),
        extra_ports: vec![server.starttls, server.tls, server.plain],
        limiter: std::sync::Arc::new(MemoryLimiter::default()),
        limits: sendready_lambda::ports::Limits::default(),
        saved: None,
    };
    sendready_lambda::AppState::new(&aws, smtp, unused_resolver(), &[])
}

/// What the tracing subscriber of [`capture_logs`] wrote (JSON lines, every level).
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every log line (TRACE and up, as JSON) of this test binary from the first
/// call on: one global subscriber, so no call site is ever cached as disabled by another
/// test's thread (a per-thread subscriber misses those). What it returns holds the lines
/// of every test running beside the caller too, which only widens an absence check.
pub fn capture_logs() -> Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let sink = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("capture_logs sets the only subscriber of a test binary");
        logs
    })
    .clone()
}

/// The API over moto and the local SES, checking live DNS against `dns`.
pub async fn app_with_dns(moto: &Moto, dns: &Dnsmasq) -> axum::Router {
    use sendready_lambda::{AppState, router};
    let conf = moto.sdk().await;
    ensure_table(&conf).await;
    let aws = sendready_lambda::state::Aws::from_sdk(&conf, "sendready-tenants");
    let resolver = std::sync::Arc::new(
        sendready_lambda::adapters::hickory::Dns::new(
            Some(dns.addr),
            std::time::Duration::from_secs(1),
        )
        .unwrap(),
    );
    router(AppState::new(&aws, default_smtp(), resolver, &[])).layer(
        axum::middleware::from_fn_with_state(jwt(), sendready_lambda::auth::local_jwt),
    )
}

/// A new Route 53 hosted zone for `name` in moto, assigned to `tenant` by the platform;
/// its bare id.
pub async fn zone_for(moto: &Moto, app: &axum::Router, tenant: &str, name: &str) -> String {
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let zone = r53
        .create_hosted_zone()
        .name(name)
        .caller_reference(format!("{tenant}-{name}"))
        .send()
        .await
        .unwrap()
        .hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_owned();
    let (status, p) = call_as(
        app,
        "platform",
        axum::http::Method::PUT,
        &format!("/v1/tenants/{tenant}/zones"),
        Some(serde_json::json!({ "hostedZoneIds": [zone] })),
    )
    .await;
    assert_eq!(status, axum::http::StatusCode::NO_CONTENT, "{p}");
    zone
}
