//! Time formats of the wire: model metadata uses `YYYY-MM-DD hh:mm:ss` (server local time),
//! instances use RFC 3339 with milliseconds and offset.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};

/// Milliseconds since the epoch, the stored form of every instant.
pub fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

fn local(ms: i64) -> DateTime<Local> {
    Local.timestamp_millis_opt(ms).single().unwrap_or_else(|| Local.timestamp_millis_opt(0).unwrap())
}

/// `"YYYY-MM-DD hh:mm:ss"` in server local time.
pub fn metadata_time(ms: i64) -> String {
    local(ms).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// RFC 3339 with milliseconds and the server's offset, e.g. `2022-01-05T17:28:27.069+08:00`.
pub fn instance_time(ms: i64) -> String {
    local(ms).to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// Parses the time forms callers send: `YYYY-MM-DD hh:mm:ss` (local), RFC 3339, `YYYY-MM-DD`, epoch seconds.
pub fn parse_instant(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64().map(|s| (s * 1000.0) as i64),
        serde_json::Value::String(s) => parse_time_str(s),
        _ => None,
    }
}

pub fn parse_time_str(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return Local.from_local_datetime(&t).earliest().map(|t| t.timestamp_millis());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let t = d.and_hms_opt(0, 0, 0)?;
        return Local.from_local_datetime(&t).earliest().map(|t| t.timestamp_millis());
    }
    None
}

/// A valid calendar date `YYYY-MM-DD`.
pub fn is_date(s: &str) -> bool {
    s.len() == 10 && NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// `YYYY-MM-DD hh:mm:ss` or RFC 3339 with offset.
pub fn is_time(s: &str) -> bool {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok() || DateTime::parse_from_rfc3339(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip() {
        let ms = 1_641_374_907_069;
        let s = instance_time(ms);
        assert!(s.contains(".069"), "{s}");
        assert_eq!(parse_time_str(&s), Some(ms));
        assert_eq!(metadata_time(ms).len(), 19);
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(is_time("2024-01-01 10:00:00"));
        assert!(is_time("2024-01-01T10:00:00+08:00"));
        assert!(!is_time("yesterday"));
    }
}
