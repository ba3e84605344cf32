//! `sendready`: the Sendready core on the command line.
//!
//! Every `check` prints a human report (or the report as JSON with `--json`) and exits
//! 0 when the input is valid, 1 when it is not, and 2 on a usage or input error.

use clap::{Args, Parser, Subcommand};
use sendready_core::address::{AddressOptions, check_address};
use sendready_core::diagnose;
use sendready_core::dns::{self, DnsRecord, dkim, dmarc, spf};
use sendready_core::host::{HostOptions, check_dns_name, check_domain, check_host};
use sendready_core::identity::{Tenant, check_new_identity, check_sender};
use sendready_core::smtp::{SmtpSettings, check_smtp_settings};
use sendready_core::{Report, Severity};
use serde::Serialize;
use std::io::Read as _;
use std::process::ExitCode;

/// Everything that can stop the CLI before a report exists.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON for {what}: {source}. See the README for the shape.")]
    Json {
        path: String,
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("cannot write output: {0}")]
    Output(#[from] serde_json::Error),
}

#[derive(Parser)]
#[command(
    name = "sendready",
    version,
    about = "Check SMTP settings, addresses, identities and DNS records for sending mail"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check one thing; exit 0 if valid, 1 if not.
    #[command(subcommand)]
    Check(Check),
    /// Build DNS records to publish.
    #[command(subcommand)]
    Records(Records),
    /// Explain a failure: an SMTP reply or error text, an SES error, or a verification status.
    Diagnose {
        /// The reply or error text (e.g. "535 5.7.8 Authentication failed").
        text: Option<String>,
        /// An SES API error code (MessageRejected, TooManyRequestsException...).
        #[arg(long, conflicts_with = "text")]
        ses: Option<String>,
        /// The SES error's message.
        #[arg(long, default_value = "")]
        message: String,
        /// An SES verification status (PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE, NOT_STARTED).
        #[arg(long, conflicts_with_all = ["text", "ses"])]
        verification: Option<String>,
        /// The VerificationInfo.ErrorType with --verification.
        #[arg(long)]
        error_type: Option<String>,
        #[command(flatten)]
        out: Out,
    },
    /// List the provider presets (host, ports, username rule, notes).
    Providers {
        #[command(flatten)]
        out: Out,
    },
    /// Print the code catalogue (docs/codes.md) as Markdown.
    Codes,
}

#[derive(Args)]
struct Out {
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum Check {
    /// An email address.
    Address {
        address: String,
        /// Accept a quoted local part ("john doe"@example.com).
        #[arg(long)]
        allow_quoted: bool,
        /// Accept an address literal (user@[192.0.2.1]).
        #[arg(long)]
        allow_literal: bool,
        /// Accept a dotless domain (user@localhost).
        #[arg(long)]
        allow_dotless: bool,
        /// Accept special-use domains (.test, .local, ...).
        #[arg(long)]
        allow_special_use: bool,
        #[command(flatten)]
        out: Out,
    },
    /// A mail domain (or, with --record-name, a DNS record name that may hold `_` labels).
    Domain {
        domain: String,
        #[arg(long)]
        record_name: bool,
        #[command(flatten)]
        out: Out,
    },
    /// An SMTP server host.
    Host {
        host: String,
        /// Accept loopback and private addresses (local testing only).
        #[arg(long)]
        allow_private: bool,
        #[command(flatten)]
        out: Out,
    },
    /// An SMTP settings file (the JSON the wasm package and the API take); `-` for stdin.
    Smtp {
        file: String,
        #[command(flatten)]
        out: Out,
    },
    /// An SPF record.
    Spf {
        record: String,
        #[command(flatten)]
        out: Out,
    },
    /// A DMARC record.
    Dmarc {
        record: String,
        /// The domain the record is published for (checks external report addresses).
        #[arg(long)]
        domain: Option<String>,
        #[command(flatten)]
        out: Out,
    },
    /// A DKIM public-key record.
    Dkim {
        record: String,
        #[command(flatten)]
        out: Out,
    },
    /// A new identity against a tenant file ({"activeUserEmails": [...], "identities": [...]}).
    Identity {
        identity: String,
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        out: Out,
    },
    /// Whether a From address may send for a tenant.
    Sender {
        from: String,
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        out: Out,
    },
}

#[derive(Subcommand)]
enum Records {
    /// Easy DKIM CNAMEs from the three SES tokens.
    Dkim {
        #[arg(long)]
        domain: String,
        /// A DKIM token (give three).
        #[arg(long = "token", required = true)]
        tokens: Vec<String>,
        /// SES's SigningHostedZone, when known.
        #[arg(long)]
        signing_zone: Option<String>,
        /// The SES region (decides the DKIM domain when no signing zone is given).
        #[arg(long, default_value = "us-east-1")]
        region: String,
        #[command(flatten)]
        out: Out,
    },
    /// A BYODKIM TXT record from a selector and a public key file (PEM or base64; `-` for stdin).
    Byodkim {
        #[arg(long)]
        domain: String,
        #[arg(long)]
        selector: String,
        #[arg(long)]
        public_key: String,
        #[command(flatten)]
        out: Out,
    },
    /// Custom MAIL FROM MX and SPF records.
    MailFrom {
        #[arg(long)]
        domain: String,
        #[arg(long)]
        mail_from: String,
        #[arg(long, default_value = "us-east-1")]
        region: String,
        #[command(flatten)]
        out: Out,
    },
    /// Merge include:<domain> into an existing SPF record.
    SpfMerge {
        /// The current record, if any.
        #[arg(long)]
        existing: Option<String>,
        #[arg(long, default_value = "amazonses.com")]
        include: String,
        #[command(flatten)]
        out: Out,
    },
    /// A DMARC record from choices.
    Dmarc {
        #[arg(long)]
        domain: String,
        #[arg(long, value_parser = ["none", "quarantine", "reject"], default_value = "none")]
        policy: String,
        #[arg(long, value_parser = ["none", "quarantine", "reject"])]
        subdomain_policy: Option<String>,
        /// Aggregate report address (repeatable).
        #[arg(long)]
        rua: Vec<String>,
        /// Strict DKIM and SPF alignment.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        out: Out,
    },
}

fn read_input(path: &str) -> Result<String, CliError> {
    if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|source| CliError::Read {
                path: "stdin".into(),
                source,
            })?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|source| CliError::Read {
            path: path.into(),
            source,
        })
    }
}

fn read_json<T: serde::de::DeserializeOwned>(
    path: &str,
    what: &'static str,
) -> Result<T, CliError> {
    let text = read_input(path)?;
    serde_json::from_str(&text).map_err(|source| CliError::Json {
        path: path.into(),
        what,
        source,
    })
}

/// Prints a report and returns its exit code.
fn emit<T: Serialize>(
    report: &Report<T>,
    out: &Out,
    show: impl FnOnce(&T) -> String,
) -> Result<ExitCode, CliError> {
    if out.json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        // The normalized value only of a valid input: an invalid one's is a partial
        // guess, and the README shows the issues and the verdict alone.
        if let Some(v) = report.value.as_ref().filter(|_| report.valid) {
            let s = show(v);
            if !s.is_empty() {
                println!("{s}");
            }
        }
        for i in &report.issues {
            let sev = match i.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Hint => "hint",
            };
            eprintln!("{sev}[{}] {}: {}", i.code, i.field, i.message);
        }
        eprintln!("{}", if report.valid { "valid" } else { "invalid" });
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn show_records(recs: &[DnsRecord]) -> String {
    dns::zone_file(recs).trim_end().to_owned()
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Codes => {
            print!("{}", sendready_core::Code::catalogue_markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Diagnose {
            text,
            ses,
            message,
            verification,
            error_type,
            out,
        } => {
            let dg = match (text, ses, verification) {
                (Some(t), _, _) => diagnose::text(&t),
                (_, Some(e), _) => diagnose::ses(&e, &message, None),
                (_, _, Some(v)) => diagnose::verification(&v, error_type.as_deref()),
                _ => {
                    eprintln!(
                        "sendready: give the error text, --ses CODE or --verification STATUS"
                    );
                    return Ok(ExitCode::from(2));
                }
            };
            if out.json {
                println!("{}", serde_json::to_string_pretty(&dg)?);
            } else {
                println!(
                    "{} [{}]\ncause: {}\naction: {}",
                    dg.title, dg.code, dg.cause, dg.action
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Providers { out } => {
            let presets = sendready_core::provider::PRESETS;
            if out.json {
                println!("{}", serde_json::to_string_pretty(presets)?);
            } else {
                for p in presets {
                    let ports: Vec<String> = p
                        .ports
                        .iter()
                        .map(|(n, s)| format!("{n}/{}", s.label()))
                        .collect();
                    println!("{:<36} {:<36} {}", p.name, p.host, ports.join(", "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(c) => run_check(c),
        Command::Records(r) => run_records(r),
    }
}

fn run_check(c: Check) -> Result<ExitCode, CliError> {
    match c {
        Check::Address {
            address,
            allow_quoted,
            allow_literal,
            allow_dotless,
            allow_special_use,
            out,
        } => {
            let opts = AddressOptions {
                allow_quoted_local: allow_quoted,
                allow_domain_literal: allow_literal,
                allow_dotless,
                allow_special_use,
                ..AddressOptions::default()
            };
            emit(&check_address(&address, opts), &out, |a| a.address.clone())
        }
        Check::Domain {
            domain,
            record_name,
            out,
        } => {
            let r = if record_name {
                check_dns_name(&domain)
            } else {
                check_domain(&domain)
            };
            emit(&r, &out, |d| d.ascii.clone())
        }
        Check::Host {
            host,
            allow_private,
            out,
        } => {
            let opts = HostOptions {
                allow_private,
                ..HostOptions::default()
            };
            emit(&check_host(&host, opts), &out, |h| h.ascii.clone())
        }
        Check::Smtp { file, out } => {
            let s: SmtpSettings = read_json(&file, "SMTP settings")?;
            emit(&check_smtp_settings(&s), &out, |c| {
                format!("{}:{} ({})", c.host.ascii, c.port, c.security.label())
            })
        }
        Check::Spf { record, out } => emit(&spf::check_spf(&record), &out, spf::SpfRecord::text),
        Check::Dmarc {
            record,
            domain,
            out,
        } => emit(
            &dmarc::check_dmarc(&record, domain.as_deref()),
            &out,
            dmarc::dmarc_text,
        ),
        Check::Dkim { record, out } => emit(&dkim::check_dkim_record(&record), &out, |k| {
            format!("{} key, {} bits", k.key_type, k.bits)
        }),
        Check::Identity {
            identity,
            tenant,
            out,
        } => {
            let t: Tenant = read_json(&tenant, "a tenant")?;
            emit(&check_new_identity(&t, &identity, None), &out, |n| {
                format!(
                    "{} identity {} (allowed by {})",
                    kind(n.kind),
                    n.identity,
                    n.allowed_by
                )
            })
        }
        Check::Sender { from, tenant, out } => {
            let t: Tenant = read_json(&tenant, "a tenant")?;
            emit(&check_sender(&t, &from), &out, |d| {
                if d.allowed {
                    format!("{} may send", d.from)
                } else {
                    String::new()
                }
            })
        }
    }
}

fn run_records(r: Records) -> Result<ExitCode, CliError> {
    match r {
        Records::Dkim {
            domain,
            tokens,
            signing_zone,
            region,
            out,
        } => emit(
            &dkim::easy_dkim_records(&domain, &tokens, signing_zone.as_deref(), Some(&region)),
            &out,
            |r| show_records(r),
        ),
        Records::Byodkim {
            domain,
            selector,
            public_key,
            out,
        } => {
            let key = read_input(&public_key)?;
            emit(
                &dkim::byodkim_record(&domain, &selector, &key),
                &out,
                ToString::to_string,
            )
        }
        Records::MailFrom {
            domain,
            mail_from,
            region,
            out,
        } => emit(
            &dns::mail_from_records(&domain, &mail_from, &region),
            &out,
            |r| show_records(r),
        ),
        Records::SpfMerge {
            existing,
            include,
            out,
        } => emit(
            &spf::merge_include(existing.as_deref(), &include),
            &out,
            Clone::clone,
        ),
        Records::Dmarc {
            domain,
            policy,
            subdomain_policy,
            rua,
            strict,
            out,
        } => {
            let p = |s: &str| match s {
                "reject" => dmarc::Policy::Reject,
                "quarantine" => dmarc::Policy::Quarantine,
                _ => dmarc::Policy::None,
            };
            let align = if strict {
                dmarc::Alignment::Strict
            } else {
                dmarc::Alignment::Relaxed
            };
            let d = dmarc::Dmarc {
                policy: p(&policy),
                subdomain_policy: subdomain_policy.as_deref().map(p),
                adkim: align,
                aspf: align,
                rua,
                ..dmarc::Dmarc::default()
            };
            emit(&dmarc::build_dmarc(&domain, &d), &out, ToString::to_string)
        }
    }
}

fn kind(k: sendready_core::identity::IdentityKind) -> &'static str {
    match k {
        sendready_core::identity::IdentityKind::Domain => "domain",
        sendready_core::identity::IdentityKind::Email => "email",
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sendready: {e}");
            ExitCode::from(2)
        }
    }
}
