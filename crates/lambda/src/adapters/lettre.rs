//! The SMTP adapter: a connection check and a test message, with lettre over rustls,
//! one step at a time so a failure names the step and its catalogue diagnosis.
//!
//! Steps, in order: resolve the host, open TCP, (implicit TLS) greet, EHLO, STARTTLS,
//! AUTH, then `MAIL FROM` as a probe (`RSET` after it; nothing is sent) or the message.
//! Each step is bounded by the configured step timeout. The password or token is held in
//! a [`Secret`] that never prints, and nothing here logs the settings.

use crate::ports::Resolver;
use crate::ports::smtp::{Delivery, Outcome, OutgoingMail, Secret, SmtpClient, Step, StepKind};
use async_trait::async_trait;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use lettre::{Address as LettreAddress, Message};
use sendready_core::Code;
use sendready_core::address::Address;
use sendready_core::diagnose::{self, Diagnosis, TransportError};
use sendready_core::host::is_private_ip;
use sendready_core::smtp::{AuthMethod, Security, SmtpConfig};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// The most resolved addresses one check tries.
pub const MAX_ADDRESSES: usize = 3;

/// The adapter: lettre with these options.
#[derive(Clone, Debug, Default)]
pub struct Lettre {
    /// How it connects.
    pub opts: SmtpOptions,
}

#[async_trait]
impl SmtpClient for Lettre {
    async fn check(&self, cfg: &SmtpConfig, secret: Option<&Secret>) -> Outcome {
        check(cfg, secret, &self.opts).await
    }

    async fn send_test(&self, cfg: &SmtpConfig, secret: Option<&Secret>, to: &Address) -> Outcome {
        send_test(cfg, secret, to, &self.opts).await
    }

    fn allows_private(&self) -> bool {
        self.opts.allow_private
    }

    fn render(&self, mail: &OutgoingMail) -> Result<(Vec<u8>, String), String> {
        let m = message(mail)?;
        let id = m
            .headers()
            .get_raw("Message-ID")
            .map(str::to_owned)
            .unwrap_or_default();
        Ok((m.formatted(), id))
    }

    async fn send_mail(
        &self,
        cfg: &SmtpConfig,
        secret: Option<&Secret>,
        mail: &OutgoingMail,
    ) -> Delivery {
        send_mail(cfg, secret, mail, &self.opts).await
    }
}

/// The send route's message: From with its name, To, Cc, Reply-To, the subject, a text
/// and/or HTML part, the additional headers and a fresh `Message-ID`.
pub fn message(mail: &OutgoingMail) -> Result<Message, String> {
    let mbox = |a: &str| a.parse::<Mailbox>().map_err(|e| format!("{a:?}: {e}"));
    let from = if mail.from_name.is_empty() {
        mbox(&mail.from)?
    } else {
        Mailbox::new(
            Some(mail.from_name.clone()),
            mail.from
                .parse::<LettreAddress>()
                .map_err(|e| format!("From {:?}: {e}", mail.from))?,
        )
    };
    let mut b = Message::builder()
        .from(from)
        .subject(mail.subject.clone())
        .message_id(None)
        .user_agent("Sendready".to_owned());
    for a in &mail.to {
        b = b.to(mbox(a)?);
    }
    for a in &mail.cc {
        b = b.cc(mbox(a)?);
    }
    for a in &mail.reply_to {
        b = b.reply_to(mbox(a)?);
    }
    for h in &mail.headers {
        let name = HeaderName::new_from_ascii(h.name.clone())
            .map_err(|e| format!("header {}: {e}", h.name))?;
        b = b.raw_header(HeaderValue::new(name, h.value.clone()));
    }
    match (&mail.text, &mail.html) {
        (Some(t), Some(h)) => b.multipart(MultiPart::alternative_plain_html(t.clone(), h.clone())),
        (Some(t), None) => b.singlepart(SinglePart::plain(t.clone())),
        (None, Some(h)) => b.singlepart(SinglePart::html(h.clone())),
        (None, None) => b.body(String::new()),
    }
    .map_err(|e| e.to_string())
}

/// Delivers the send route's message through the settings' server, step by step, and
/// says whether the server may have taken it unheard ([`Delivery::uncertain`]).
pub async fn send_mail(
    cfg: &SmtpConfig,
    secret: Option<&Secret>,
    mail: &OutgoingMail,
    opts: &SmtpOptions,
) -> Delivery {
    let mut run = Run {
        steps: Vec::new(),
        timeout: opts.step_timeout,
    };
    let certain = |run: Run| Delivery {
        outcome: run.outcome(),
        message_id: None,
        uncertain: false,
    };
    let message = match message(mail) {
        Ok(m) => m,
        Err(e) => {
            run.fail(
                StepKind::Send,
                Instant::now(),
                e,
                diagnose::text("invalid message"),
            );
            return certain(run);
        }
    };
    let id = message.headers().get_raw("Message-ID").map(str::to_owned);
    let envelope = {
        let from = mail.from.parse::<LettreAddress>().ok();
        let to: Result<Vec<LettreAddress>, _> = mail
            .recipients()
            .iter()
            .map(|r| r.parse::<LettreAddress>())
            .collect();
        match (from, to) {
            (Some(f), Ok(t)) => lettre::address::Envelope::new(Some(f), t).ok(),
            _ => None,
        }
    };
    let Some(env) = envelope else {
        run.fail(
            StepKind::Send,
            Instant::now(),
            "the envelope could not be made".to_owned(),
            diagnose::text("invalid address"),
        );
        return certain(run);
    };
    let mut uncertain = false;
    if let Some(mut conn) = session(cfg, secret, opts, &mut run).await {
        let progress = Progress::default();
        let limit = run.timeout * 2;
        let non_ascii = !mail.from.is_ascii() || mail.recipients().iter().any(|r| !r.is_ascii());
        let body = message.formatted();
        let ok = run
            .reply_step(
                StepKind::Send,
                limit,
                transmit(&mut conn, &env, &body, non_ascii, &progress),
            )
            .await;
        // Written after DATA's 354: only a reply code says the server refused it.
        uncertain = !ok && progress.written.load(SeqCst) && !progress.refused.load(SeqCst);
        if ok {
            let _ = within(run.timeout, conn.quit()).await;
        } else {
            // lettre's abort sends QUIT and waits for its reply: a stalled server never
            // gives one.
            let _ = within(run.timeout, conn.abort()).await;
        }
    }
    let outcome = run.outcome();
    let message_id = if outcome.ok { id } else { None };
    Delivery {
        outcome,
        message_id,
        uncertain,
    }
}

/// How far [`transmit`] got: the message written after `DATA`'s 354, and a reply code
/// refusing it.
#[derive(Default)]
struct Progress {
    written: AtomicBool,
    refused: AtomicBool,
}

/// `MAIL FROM`, `RCPT TO` for each recipient, `DATA` and the message (what lettre's
/// `send` does, with `SMTPUTF8` and `8BITMIME` asked for as it asks), noting in
/// `progress` when the message goes out and whether a reply code refused it, so a caller
/// knows whether a missing reply may hide an accepted message.
async fn transmit(
    conn: &mut AsyncSmtpConnection,
    env: &lettre::address::Envelope,
    body: &[u8],
    non_ascii: bool,
    progress: &Progress,
) -> Result<Response, lettre::transport::smtp::Error> {
    let mut params = Vec::new();
    if non_ascii && conn.server_info().supports_feature(Extension::SmtpUtfEight) {
        params.push(MailParameter::SmtpUtfEight);
    }
    if !body.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
        params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    conn.command(Mail::new(env.from().cloned(), params)).await?;
    for to in env.to() {
        conn.command(Rcpt::new(to.clone(), vec![])).await?;
    }
    conn.command(Data).await?;
    progress.written.store(true, SeqCst);
    conn.message(body).await.inspect_err(|e| {
        if e.status().is_some() {
            progress.refused.store(true, SeqCst);
        }
    })
}

/// How the adapter connects.
#[derive(Clone, Debug)]
pub struct SmtpOptions {
    /// Bound on each step (resolve, connect, greeting, TLS, AUTH, MAIL FROM, DATA).
    pub step_timeout: Duration,
    /// Connect to loopback and private addresses. Off in AWS: the backend must not be a
    /// way into its own network. On for the local stack.
    pub allow_private: bool,
    /// Extra trusted roots (PEM), beside the WebPKI roots: the local stack's own CA.
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// The name sent in EHLO.
    pub hello_name: String,
    /// Resolve hosts through this resolver (`SENDREADY_DNS_SERVER`) instead of the
    /// system's.
    pub resolver: Option<std::sync::Arc<dyn Resolver>>,
}

impl Default for SmtpOptions {
    fn default() -> Self {
        SmtpOptions {
            step_timeout: Duration::from_secs(5),
            allow_private: false,
            extra_roots_pem: Vec::new(),
            hello_name: "sendready.invalid".to_owned(),
            resolver: None,
        }
    }
}

struct Run {
    steps: Vec<Step>,
    timeout: Duration,
}

impl Run {
    fn ok(&mut self, step: StepKind, started: Instant, detail: impl Into<String>) {
        self.steps.push(Step {
            step,
            ok: true,
            millis: elapsed_ms(started),
            detail: detail.into(),
            diagnosis: None,
        });
    }

    fn fail(&mut self, step: StepKind, started: Instant, detail: String, d: Diagnosis) {
        self.steps.push(Step {
            step,
            ok: false,
            millis: elapsed_ms(started),
            detail,
            diagnosis: Some(d),
        });
    }

    /// Runs one lettre call that ends in a reply as `step`: the reply line on success,
    /// the catalogue's diagnosis on an error or when nothing comes back in `limit`.
    async fn reply_step(
        &mut self,
        step: StepKind,
        limit: Duration,
        call: impl std::future::Future<Output = Result<Response, lettre::transport::smtp::Error>>,
    ) -> bool {
        let t = Instant::now();
        match within(limit, call).await {
            Some(Ok(r)) => {
                let line = format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "));
                self.ok(step, t, line);
                true
            }
            Some(Err(e)) => {
                let d = classify(step, &e);
                self.fail(step, t, chain(&e), d);
                false
            }
            None => {
                let line = format!("no reply within {} ms", limit.as_millis());
                self.fail(
                    step,
                    t,
                    line,
                    diagnose::transport(TransportError::ReadTimeout),
                );
                false
            }
        }
    }

    fn outcome(self) -> Outcome {
        let diagnosis = self
            .steps
            .last()
            .filter(|s| !s.ok)
            .and_then(|s| s.diagnosis.clone());
        Outcome {
            ok: diagnosis.is_none(),
            steps: self.steps,
            diagnosis,
        }
    }
}

fn elapsed_ms(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn private_host() -> Diagnosis {
    Diagnosis {
        code: Code::HostPrivate,
        title: "Private address".to_owned(),
        cause: "The SMTP host resolves only to loopback or private network addresses, which a hosted service cannot reach and must not connect to.".to_owned(),
        action: "Enter the public host name of your SMTP server.".to_owned(),
        field: Some("host".to_owned()),
        retryable: false,
        region: None,
        identity: None,
    }
}

/// The reply code and text of a lettre error that carries an SMTP reply.
fn reply_of(e: &lettre::transport::smtp::Error) -> Option<(u16, String)> {
    let code: u16 = e.status()?.to_string().parse().ok()?;
    let shown = e.to_string();
    let text = shown
        .split_once("): ")
        .map_or(shown.as_str(), |(_, t)| t)
        .to_owned();
    Some((code, text))
}

/// The chain of an error's sources, for classification and the step's detail line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let more = c.to_string();
        if !s.contains(&more) {
            s.push_str(": ");
            s.push_str(&more);
        }
        cur = c.source();
    }
    s
}

/// TLS failures by what rustls said: plaintext where TLS was expected, a certificate
/// problem, or any other handshake failure.
fn tls_error(detail: &str) -> TransportError {
    let d = detail.to_ascii_lowercase();
    if d.contains("corrupt message")
        || d.contains("invalidcontenttype")
        || d.contains("wrong version")
    {
        TransportError::TlsWrongVersion
    } else if d.contains("certificate")
        || d.contains("unknownissuer")
        || d.contains("notvalidforname")
    {
        TransportError::TlsCertificate
    } else {
        TransportError::TlsHandshake
    }
}

/// Classifies a failed lettre call in `step`: an SMTP reply through the reply
/// catalogue; lettre's own client refusals (no STARTTLS offered, no usable AUTH
/// mechanism) by what they say; then TLS failures, timeouts, and a closed connection.
fn classify(step: StepKind, e: &lettre::transport::smtp::Error) -> Diagnosis {
    if let Some((code, text)) = reply_of(e) {
        return diagnose::reply(code, &text);
    }
    let detail = chain(e);
    let lower = detail.to_ascii_lowercase();
    if lower.contains("starttls is not supported") {
        return diagnose::transport(TransportError::StarttlsUnsupported);
    }
    if lower.contains("no compatible authentication mechanism") {
        return diagnose::transport(TransportError::AuthUnsupported);
    }
    if e.is_tls() || step == StepKind::Tls {
        return diagnose::transport(tls_error(&detail));
    }
    if e.is_timeout() {
        return diagnose::transport(TransportError::ReadTimeout);
    }
    diagnose::transport(TransportError::ConnectionClosed)
}

async fn within<T>(t: Duration, f: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(t, f).await.ok()
}

fn tls_parameters(host: &str, opts: &SmtpOptions) -> Result<TlsParameters, String> {
    let mut b = TlsParameters::builder(host.to_owned());
    for pem in &opts.extra_roots_pem {
        let cert =
            Certificate::from_pem(pem).map_err(|e| format!("extra root certificate: {e}"))?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls().map_err(|e| e.to_string())
}

/// Resolves the host and opens TCP to the first usable address; `None` when a step
/// failed (the failure is the run's last step).
async fn reach(cfg: &SmtpConfig, opts: &SmtpOptions, run: &mut Run) -> Option<SocketAddr> {
    let host = cfg.host.ascii.as_str();
    // Resolve.
    let t = Instant::now();
    let lookup = async {
        match &opts.resolver {
            Some(dns) => dns.resolve_host(host, cfg.port).await,
            None => tokio::net::lookup_host((host, cfg.port))
                .await
                .map(Iterator::collect)
                .map_err(|e| e.to_string()),
        }
    };
    let addrs: Vec<SocketAddr> = match within(run.timeout, lookup).await {
        Some(Ok(a)) => a,
        Some(Err(e)) => {
            run.fail(
                StepKind::Resolve,
                t,
                format!("{host} does not resolve: {e}"),
                diagnose::transport(TransportError::UnknownHost),
            );
            return None;
        }
        None => {
            run.fail(
                StepKind::Resolve,
                t,
                format!("resolving {host} timed out"),
                diagnose::transport(TransportError::UnknownHost),
            );
            return None;
        }
    };
    // Private addresses are never tried (unless the local stack allows them), and at most
    // MAX_ADDRESSES of the rest, so a name with many records cannot hold the check.
    let usable: Vec<SocketAddr> = addrs
        .iter()
        .copied()
        .filter(|a| opts.allow_private || !is_private_ip(a.ip()))
        .take(MAX_ADDRESSES)
        .collect();
    if usable.is_empty() {
        let d = if addrs.is_empty() {
            diagnose::transport(TransportError::UnknownHost)
        } else {
            private_host()
        };
        run.fail(
            StepKind::Resolve,
            t,
            format!("{host} resolves to no usable address"),
            d,
        );
        return None;
    }
    let shown: Vec<String> = usable.iter().map(|a| a.ip().to_string()).collect();
    run.ok(StepKind::Resolve, t, shown.join(", "));

    // Connect (a TCP probe that tells refused from silent, then lettre's own connection).
    let t = Instant::now();
    let mut connected = None;
    let mut refused = false;
    for addr in &usable {
        match within(run.timeout, TcpStream::connect(addr)).await {
            Some(Ok(_probe)) => {
                connected = Some(*addr);
                break;
            }
            Some(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => refused = true,
            _ => {}
        }
    }
    let Some(addr) = connected else {
        let (what, e) = if refused {
            ("refused", TransportError::ConnectionRefused)
        } else {
            ("timed out", TransportError::ConnectTimeout)
        };
        run.fail(
            StepKind::Connect,
            t,
            format!("connecting to {host} port {} {what}", cfg.port),
            diagnose::transport(e),
        );
        return None;
    };
    run.ok(StepKind::Connect, t, format!("{addr}"));
    Some(addr)
}

/// Resolves, connects, greets, secures and authenticates; `None` when a step failed
/// (the failure is the run's last step).
async fn session(
    cfg: &SmtpConfig,
    secret: Option<&Secret>,
    opts: &SmtpOptions,
    run: &mut Run,
) -> Option<AsyncSmtpConnection> {
    let host = cfg.host.ascii.as_str();
    let hello = ClientId::Domain(opts.hello_name.clone());

    let addr = reach(cfg, opts, run).await?;

    let tls = match tls_parameters(host, opts) {
        Ok(p) => p,
        Err(e) => {
            run.fail(
                StepKind::Tls,
                Instant::now(),
                e,
                diagnose::transport(TransportError::TlsHandshake),
            );
            return None;
        }
    };

    // Greeting and EHLO (after the handshake for implicit TLS).
    let t = Instant::now();
    let implicit = (cfg.security == Security::Tls).then(|| tls.clone());
    let greeted = within(
        run.timeout,
        AsyncSmtpConnection::connect_tokio1(addr, Some(run.timeout), &hello, implicit, None),
    )
    .await;
    let mut conn = match greeted {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            let step = if cfg.security == Security::Tls
                && (e.is_tls() || reply_of(&e).is_none() && !e.is_timeout())
            {
                StepKind::Tls
            } else {
                StepKind::Greeting
            };
            let d = classify(step, &e);
            run.fail(step, t, chain(&e), d);
            return None;
        }
        None => {
            let step = if cfg.security == Security::Tls {
                StepKind::Tls
            } else {
                StepKind::Greeting
            };
            run.fail(
                step,
                t,
                format!("no greeting within {} ms", run.timeout.as_millis()),
                diagnose::transport(TransportError::ReadTimeout),
            );
            return None;
        }
    };
    if cfg.security == Security::Tls {
        run.ok(StepKind::Tls, t, "implicit TLS established");
    }
    run.ok(StepKind::Greeting, t, conn.server_info().to_string());

    // STARTTLS.
    if cfg.security == Security::Starttls {
        let t = Instant::now();
        match within(run.timeout, conn.starttls(tls, &hello)).await {
            Some(Ok(())) => run.ok(StepKind::Tls, t, "STARTTLS: TLS established"),
            Some(Err(e)) => {
                let d = classify(StepKind::Tls, &e);
                run.fail(StepKind::Tls, t, chain(&e), d);
                return None;
            }
            None => {
                run.fail(
                    StepKind::Tls,
                    t,
                    "the TLS handshake after STARTTLS timed out".to_owned(),
                    diagnose::transport(TransportError::ReadTimeout),
                );
                return None;
            }
        }
    }

    // AUTH.
    if cfg.authentication != AuthMethod::None {
        let mechanisms: &[Mechanism] = if cfg.authentication == AuthMethod::Oauth2 {
            &[Mechanism::Xoauth2]
        } else {
            &[Mechanism::Plain, Mechanism::Login]
        };
        let secret = secret.map(|s| s.expose().to_owned()).unwrap_or_default();
        let creds = Credentials::new(cfg.username.clone(), secret);
        let limit = run.timeout;
        if !run
            .reply_step(StepKind::Auth, limit, conn.auth(mechanisms, &creds))
            .await
        {
            return None;
        }
    }
    Some(conn)
}

/// Tests the settings against the real server: every step up to `MAIL FROM` (then
/// `RSET` and `QUIT`; nothing is sent).
pub async fn check(cfg: &SmtpConfig, secret: Option<&Secret>, opts: &SmtpOptions) -> Outcome {
    let mut run = Run {
        steps: Vec::new(),
        timeout: opts.step_timeout,
    };
    if let Some(mut conn) = session(cfg, secret, opts, &mut run).await {
        if let Some(from) = &cfg.from {
            let cmd = RawCommand(format!("MAIL FROM:<{}>\r\n", from.address));
            let limit = run.timeout;
            if run
                .reply_step(StepKind::MailFrom, limit, conn.command(cmd))
                .await
            {
                let _ = within(limit, conn.command(RawCommand("RSET\r\n".to_owned()))).await;
            }
        }
        let _ = within(run.timeout, conn.quit()).await;
    }
    run.outcome()
}

/// A command line sent as written (`MAIL FROM:<...>`, `RSET`).
struct RawCommand(String);

impl fmt::Display for RawCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The test message: from the settings' From (with its name), to `to`, a text and an
/// HTML part naming the server, and the settings' additional headers.
pub fn test_mail(cfg: &SmtpConfig, to: &Address) -> Result<OutgoingMail, String> {
    let from = cfg
        .from
        .as_ref()
        .ok_or_else(|| "a From address is needed to send a test message".to_owned())?;
    let from_name = match &cfg.from_header {
        Some(h) => h
            .parse::<Mailbox>()
            .map_err(|e| format!("From header {h:?}: {e}"))?
            .name
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(OutgoingMail {
        from: from.address.clone(),
        from_name,
        to: vec![to.address.clone()],
        subject: "Sendready test message".to_owned(),
        text: Some(format!(
            "This is a test message from Sendready.\n\nYour SMTP settings for {} (port {}) delivered it, so mail from this account will go through.\n",
            cfg.host.unicode, cfg.port
        )),
        html: Some(format!(
            "<p>This is a test message from Sendready.</p><p>Your SMTP settings for <b>{}</b> (port {}) delivered it, so mail from this account will go through.</p>",
            cfg.host.unicode, cfg.port
        )),
        headers: cfg.headers.clone(),
        ..OutgoingMail::default()
    })
}

/// Sends the test message through the settings' server (as [`send_mail`] sends any) and
/// reports every step and the server's reply.
pub async fn send_test(
    cfg: &SmtpConfig,
    secret: Option<&Secret>,
    to: &Address,
    opts: &SmtpOptions,
) -> Outcome {
    match test_mail(cfg, to) {
        Ok(mail) => send_mail(cfg, secret, &mail, opts).await.outcome,
        Err(e) => {
            let mut run = Run {
                steps: Vec::new(),
                timeout: opts.step_timeout,
            };
            run.fail(
                StepKind::Send,
                Instant::now(),
                e,
                diagnose::text("invalid message"),
            );
            run.outcome()
        }
    }
}
