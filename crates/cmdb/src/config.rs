//! Settings: flags, then environment variables, then the config file, then defaults.

use cmdb::{ServeConfig, StoreConfig};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/cmdb.db";

#[derive(clap::Args)]
pub struct StoreArgs {
    /// Database: sqlite://PATH (default ./data/cmdb.db) or postgres://USER@HOST:PORT/DB
    #[arg(long, env = "CMDB_DATABASE_URL")]
    database_url: Option<String>,
    /// Configuration file (TOML) holding the same settings.
    #[arg(long, env = "CMDB_CONFIG")]
    config: Option<PathBuf>,
    /// SQLite: synchronous=FULL instead of NORMAL.
    #[arg(long, env = "CMDB_SQLITE_FULL_SYNC")]
    sqlite_full_sync: bool,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "CMDB_LISTEN")]
    listen: Option<String>,
    /// An app allowed to call the API, CODE:SECRET (repeatable; env CMDB_APPS=code:secret,code2:secret2).
    #[arg(long = "app", env = "CMDB_APPS", value_delimiter = ',')]
    apps: Vec<String>,
    /// Largest accepted request body in bytes (default 32 MiB).
    #[arg(long, env = "CMDB_BODY_LIMIT")]
    body_limit: Option<usize>,
    /// How long change events stay available to resource_watch: e.g. 7d (default), 12h, 30m, 90s.
    #[arg(long, env = "CMDB_EVENT_RETENTION")]
    event_retention: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    #[serde(default)]
    apps: Vec<String>,
    body_limit: Option<usize>,
    sqlite_full_sync: Option<bool>,
    event_retention: Option<String>,
}

fn read_file(path: &Option<PathBuf>) -> Result<FileConfig, String> {
    let Some(p) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
}

fn parse_apps(list: &[String]) -> Result<HashMap<String, String>, String> {
    let mut apps = HashMap::new();
    for a in list.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        let (code, secret) = a.split_once(':').ok_or_else(|| format!("app '{a}' must be CODE:SECRET"))?;
        apps.insert(code.to_string(), secret.to_string());
    }
    Ok(apps)
}

fn store_config(args: &StoreArgs, file: &FileConfig) -> StoreConfig {
    StoreConfig {
        database_url: args
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
        sqlite_full_sync: args.sqlite_full_sync || file.sqlite_full_sync.unwrap_or(false),
    }
}

pub fn resolve_store(args: StoreArgs) -> Result<StoreConfig, String> {
    let file = read_file(&args.config)?;
    Ok(store_config(&args, &file))
}

/// `7d`, `12h`, `30m`, `90s` or a number of seconds.
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 's'),
    };
    let n: u64 = num.trim().parse().map_err(|_| format!("bad duration '{s}' (use e.g. 7d, 12h, 30m, 90s)"))?;
    let secs = match unit {
        'd' => n * 86_400,
        'h' => n * 3_600,
        'm' => n * 60,
        's' => n,
        _ => return Err(format!("bad duration unit in '{s}' (d, h, m or s)")),
    };
    if secs == 0 {
        return Err("event retention must be positive".into());
    }
    Ok(std::time::Duration::from_secs(secs))
}

pub fn resolve_serve(args: ServeArgs) -> Result<ServeConfig, String> {
    let file = read_file(&args.store.config)?;
    let apps = if args.apps.is_empty() { parse_apps(&file.apps)? } else { parse_apps(&args.apps)? };
    Ok(ServeConfig {
        listen: args.listen.clone().or_else(|| file.listen.clone()).unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
        apps,
        body_limit: args.body_limit.or(file.body_limit).unwrap_or(cmdb_api::DEFAULT_BODY_LIMIT),
        store: store_config(&args.store, &file),
        event_retention: match args.event_retention.or(file.event_retention) {
            Some(s) => parse_duration(&s)?,
            None => cmdb_core::DEFAULT_EVENT_RETENTION,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn retention_durations() {
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(7 * 86_400));
        assert_eq!(parse_duration("12h").unwrap(), Duration::from_secs(43_200));
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1_800));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("7w").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
