//! `merchant-dashboard backup FILE` and `restore FILE`: a consistent copy of the database
//! taken while the dashboard serves, and putting one back. SQLite copies itself with
//! `VACUUM INTO` (one read transaction, so the copy is a single moment even under
//! writes); PostgreSQL uses `pg_dump`'s custom format and `pg_restore`. Invariants: a
//! backup never overwrites an existing file, and a restore never replaces a database a
//! running dashboard uses (on SQLite every serving process holds a shared lock on
//! `<database>.lock`; on PostgreSQL any other session counts as running).

use std::{
    fs::{File, TryLockError},
    path::{Path, PathBuf},
    process::Command,
};

use dashboard_core::{Store, StoreError, config::Config};

/// A failure of backup or restore, printed for the operator.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// The file behind a SQLite URL, or `None` for PostgreSQL.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    url.starts_with("sqlite:")
        .then(|| Store::sqlite_file(url))
        .flatten()
}

/// The lock file beside a SQLite database.
fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Held by a serving process for its lifetime: a shared lock on the database's lock file,
/// which `restore` needs exclusively. `None` on PostgreSQL.
pub fn hold_serving_lock(config: &Config) -> Result<Option<File>, BackupError> {
    let Some(database) = sqlite_file(&config.database.url) else {
        return Ok(None);
    };
    let path = lock_path(&database);
    let file = File::create(&path).map_err(io(format!("creating {}", path.display())))?;
    file.lock_shared()
        .map_err(io(format!("locking {}", path.display())))?;
    Ok(Some(file))
}

/// Writes a consistent copy of the configured database to `target`; returns what to print.
pub async fn backup(config: &Config, target: &Path) -> Result<String, BackupError> {
    if target.exists() {
        return Err(BackupError::Refused(format!(
            "{} already exists; choose a new file name",
            target.display()
        )));
    }
    let url = &config.database.url;
    match sqlite_file(url) {
        Some(database) => {
            if !database.exists() {
                return Err(BackupError::Refused(format!(
                    "there is no database at {}",
                    database.display()
                )));
            }
            let store = Store::connect(url, 1).await?;
            let copied = store.copy_sqlite_into(target).await;
            store.close().await;
            copied?;
        }
        None => run_tool(
            Command::new(postgres_tool("pg_dump"))
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(target)
                .arg(url),
            "pg_dump",
        )?,
    }
    Ok(format!("backup written to {}", target.display()))
}

/// Replaces the configured database with the backup in `source`; refuses while a
/// dashboard uses it. Returns what to print.
pub async fn restore(config: &Config, source: &Path) -> Result<String, BackupError> {
    if !source.is_file() {
        return Err(BackupError::Refused(format!(
            "there is no backup at {}",
            source.display()
        )));
    }
    let url = &config.database.url;
    match sqlite_file(url) {
        Some(database) => restore_sqlite(&database, source).await?,
        None => {
            let store = Store::connect(url, 1).await?;
            let others = store.count_other_sessions().await;
            store.close().await;
            if others? > 0 {
                return Err(BackupError::Refused(
                    "the database is in use (other sessions are connected); stop every dashboard instance first".to_owned(),
                ));
            }
            run_tool(
                Command::new(postgres_tool("pg_restore"))
                    .args([
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--single-transaction",
                        "--dbname",
                    ])
                    .arg(url)
                    .arg(source),
                "pg_restore",
            )?;
        }
    }
    Ok(format!(
        "database restored from {}; start the dashboard to apply any newer migrations",
        source.display()
    ))
}

async fn restore_sqlite(database: &Path, source: &Path) -> Result<(), BackupError> {
    if database.exists() && same_file(database, source) {
        return Err(BackupError::Refused(
            "the backup is the database itself".to_owned(),
        ));
    }
    if let Some(folder) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(io(format!("creating {}", folder.display())))?;
    }
    let lock = File::create(lock_path(database)).map_err(io("creating the lock file"))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(BackupError::Refused(
                "a running dashboard uses this database; stop it first".to_owned(),
            ));
        }
        Err(TryLockError::Error(e)) => return Err(io("locking the database")(e)),
    }
    Store::check_sqlite_backup(source).await?;
    // Copy beside the database, then rename over it: a crash leaves either file whole.
    let mut staged = database.as_os_str().to_owned();
    staged.push(".restoring");
    let staged = PathBuf::from(staged);
    std::fs::copy(source, &staged).map_err(io("copying the backup"))?;
    File::open(&staged)
        .and_then(|f| f.sync_all())
        .map_err(io("syncing the copy"))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = database.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io("removing the old write-ahead log")(e));
            }
            _ => {}
        }
    }
    std::fs::rename(&staged, database).map_err(io("replacing the database"))?;
    drop(lock);
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A PostgreSQL client tool: from `PATH` when there, else Debian's versioned folder.
fn postgres_tool(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|folder| folder.join(name).is_file())
    });
    if on_path {
        return PathBuf::from(name);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin").join(name))
        .filter(|tool| tool.is_file())
        .collect();
    versions.sort();
    versions.pop().unwrap_or_else(|| PathBuf::from(name))
}

fn run_tool(command: &mut Command, name: &str) -> Result<(), BackupError> {
    let output = command.output().map_err(io(format!("running {name}")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(BackupError::Refused(format!(
            "{name} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}
