//! Pure domain vocabulary of cmdb: error codes, languages, attribute types and value validation,
//! the legacy condition language, times and the built-in data. No I/O lives here.

pub mod attr;
pub mod builtin;
pub mod error;
pub mod i18n;
pub mod query;
pub mod time;

pub use error::{code, Error, Result};

/// Language of messages and of built-in names (`Blueking-Language`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// `en` → English; `zh`, `zh-cn`, `zh-hans` (any case) → Chinese; anything else → English.
    pub fn parse(s: &str) -> Lang {
        let s = s.trim().to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-") || s.starts_with("zh_") {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// Who asks and for which tenant: carried from the edge into every core operation.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
    pub app_code: String,
    pub supplier: String,
    pub lang: Lang,
    pub request_id: String,
}

impl Caller {
    pub fn system() -> Caller {
        Caller {
            user: "cc_system".into(),
            app_code: String::new(),
            supplier: "0".into(),
            lang: Lang::En,
            request_id: String::new(),
        }
    }
}
