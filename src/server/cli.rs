//! The command line of the server binary: `serve` (default), user administration
//! (`user add`, `user reset-password`, `user reset-mfa`) for when nobody can sign in, and
//! outbound endpoints (`endpoint ensure`, `endpoint list`) for setting up a receiver from a
//! script, and `backup` / `restore` of the database.

use std::{io::BufRead, path::PathBuf};

use clap::{Parser, Subcommand};
use dashboard_core::{
    Store, StoreError,
    config::Config,
    report::Chain,
    staff::{
        audit::AuditEntry,
        auth::{Password, Username, hash_password},
    },
};
use dashboard_status::Role;
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, Parser)]
#[command(name = "merchant-dashboard", about = "Juspay merchant dashboard")]
pub struct Cli {
    /// Optional TOML configuration file (also `DASHBOARD_CONFIG`).
    #[arg(long, env = "DASHBOARD_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard (the default).
    Serve,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the endpoints that receive outbound events.
    #[command(subcommand)]
    Endpoint(EndpointCommand),
    /// Write a consistent copy of the database to FILE while the dashboard serves
    /// (SQLite: `VACUUM INTO`; PostgreSQL: `pg_dump --format=custom`).
    Backup { file: PathBuf },
    /// Replace the database with the backup in FILE; refused while a dashboard uses it.
    Restore { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum EndpointCommand {
    /// Add an endpoint for URL unless one exists. Its `whsec_` secret is read from stdin
    /// with --secret-stdin (so the receiver can be configured first), else minted and
    /// printed once.
    Ensure {
        url: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Comma-separated event types; `*` for all.
        #[arg(long, default_value = "*")]
        types: String,
        #[arg(long)]
        secret_stdin: bool,
    },
    /// List the endpoints (never their secrets).
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is read from stdin with --password-stdin, else generated.
    Add {
        username: String,
        #[arg(long, default_value = "viewer", value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (ends the user's sessions). Read from stdin or generated.
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove the user's second factor (ends their sessions); they enrol again at sign-in.
    ResetMfa { username: String },
}

/// A failure of a CLI command, printed for the operator.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Invalid(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

/// Runs an endpoint command; returns the lines to print.
pub async fn run_endpoint_command(
    config: &Config,
    command: EndpointCommand,
) -> Result<String, CliError> {
    use dashboard_core::outbound::{
        endpoints::{EndpointError, NewEndpoint},
        signing::mint_secret,
    };

    let store = Store::connect(&config.database.url, 1).await?;
    store.migrate().await?;
    let endpoints = store.list_endpoints().await?;
    match command {
        EndpointCommand::List => Ok(endpoints
            .iter()
            .map(|e| {
                format!(
                    "{}\t{}\t{}\t{}",
                    e.id,
                    if e.enabled { "enabled" } else { "disabled" },
                    e.event_types,
                    e.url
                )
            })
            .collect::<Vec<_>>()
            .join("\n")),
        EndpointCommand::Ensure {
            url,
            description,
            types,
            secret_stdin,
        } => {
            if let Some(existing) = endpoints.iter().find(|e| e.url == url.trim()) {
                return Ok(format!(
                    "endpoint {} already receives at {}",
                    existing.id, existing.url
                ));
            }
            let (secret, shown) = if secret_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| CliError::Invalid(format!("reading the secret: {e}")))?;
                (line.trim().to_owned(), String::new())
            } else {
                let secret = mint_secret();
                let shown = format!("; its secret (shown once): {secret}");
                (secret, shown)
            };
            let types: Vec<String> = types.split(',').map(str::to_owned).collect();
            let audit = AuditEntry {
                actor: "cli".to_owned(),
                action: "outbound.endpoint.create".to_owned(),
                target: String::new(),
                detail: format!("url={}", url.trim()),
                client_ip: "local".to_owned(),
                trace_id: String::new(),
            };
            let (id, _) = store
                .create_endpoint_with_secret(
                    &NewEndpoint {
                        url: url.clone(),
                        description,
                        event_types: types,
                        rate_limit: None,
                    },
                    secret,
                    &audit,
                )
                .await
                .map_err(|e| match e {
                    EndpointError::Invalid { field, message } => {
                        CliError::Invalid(format!("{field}: {message}"))
                    }
                    EndpointError::NotFound => CliError::Invalid("no such endpoint".into()),
                    EndpointError::Store(e) => CliError::Store(e),
                })?;
            Ok(format!("added endpoint {id} for {}{shown}", url.trim()))
        }
    }
}

/// Runs a user command; returns the lines to print.
pub async fn run_user_command(config: &Config, command: UserCommand) -> Result<String, CliError> {
    let store = Store::connect(&config.database.url, 1).await?;
    store.migrate().await?;
    let audit = |action: &str, target: &str| AuditEntry {
        actor: "cli".to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        detail: String::new(),
        client_ip: "local".to_owned(),
        trace_id: String::new(),
    };
    let out = match command {
        UserCommand::Add {
            username,
            role,
            password_stdin,
        } => {
            let name = Username::parse(&username)
                .map_err(|e| CliError::Invalid(format!("username {e}")))?;
            let (password, shown) = read_or_generate(password_stdin)?;
            let hash = hash_password(&password)
                .await
                .map_err(|e| CliError::Invalid(e.to_string()))?;
            match store
                .insert_user(
                    name.as_str(),
                    &hash,
                    role,
                    &audit("user.create", name.as_str()),
                )
                .await
            {
                Err(StoreError::Conflict(_)) => {
                    return Err(CliError::Invalid(format!(
                        "user {} already exists",
                        name.as_str()
                    )));
                }
                other => other?,
            };
            format!("added {} as {}{shown}", name.as_str(), role.as_str())
        }
        UserCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let name = username.trim().to_ascii_lowercase();
            let Some((user, _)) = store.find_user_credentials(&name).await? else {
                return Err(CliError::Invalid(format!("no user named {name}")));
            };
            let (password, shown) = read_or_generate(password_stdin)?;
            let hash = hash_password(&password)
                .await
                .map_err(|e| CliError::Invalid(e.to_string()))?;
            store
                .set_user_password(user.id, &hash, &audit("user.password_reset", &name))
                .await?;
            format!("password of {name} reset; their sessions are ended{shown}")
        }
        UserCommand::ResetMfa { username } => {
            let name = username.trim().to_ascii_lowercase();
            let Some((user, _)) = store.find_user_credentials(&name).await? else {
                return Err(CliError::Invalid(format!("no user named {name}")));
            };
            store
                .reset_second_factor(user.id, &audit("user.mfa_reset", &name))
                .await?;
            format!("second factor of {name} removed; their sessions are ended")
        }
    };
    store.close().await;
    Ok(out)
}

/// Reads one line from stdin, or generates a password and returns the text to show it.
/// A role named exactly as stored (`viewer`, `operator` or `admin`).
fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        let names: Vec<_> = Role::ALL.into_iter().map(Role::as_str).collect();
        format!("expected one of {}", names.join(", "))
    })
}

fn read_or_generate(from_stdin: bool) -> Result<(Password, String), CliError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Invalid(format!("could not read stdin: {e}")))?;
        let password = Password::parse(SecretString::from(
            line.trim_end_matches(['\r', '\n']).to_owned(),
        ))
        .map_err(|e| CliError::Invalid(format!("password {e}")))?;
        Ok((password, String::new()))
    } else {
        let password = Password::generate();
        let shown = format!("\npassword: {}", password.secret().expose_secret());
        Ok((password, shown))
    }
}

/// Runs the binary: returns the process exit code.
pub async fn main() -> std::process::ExitCode {
    use std::process::ExitCode;

    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // The OTLP exporter's blocking HTTP client must not be made (or dropped) on an async
    // worker thread.
    let spans = tokio::task::block_in_place(|| super::init_tracing(&config));
    let code = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => match super::run(config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Command::User(command) => report(run_user_command(&config, command).await),
        Command::Endpoint(command) => report(run_endpoint_command(&config, command).await),
        Command::Backup { file } => report(
            super::backup::backup(&config, &file)
                .await
                .map_err(|e| CliError::Invalid(Chain(&e).to_string())),
        ),
        Command::Restore { file } => report(
            super::backup::restore(&config, &file)
                .await
                .map_err(|e| CliError::Invalid(Chain(&e).to_string())),
        ),
    };
    // Sends the spans still in the batch before the process ends.
    tokio::task::block_in_place(|| {
        let _ = spans.shutdown();
    });
    code
}

/// Prints a command's result and gives its exit code.
#[allow(clippy::print_stdout)] // The CLI's output is for the operator's terminal, not a log.
fn report(result: Result<String, CliError>) -> std::process::ExitCode {
    use std::process::ExitCode;
    match result {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
