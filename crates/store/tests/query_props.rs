//! Property test of the query compiler: for random conditions over random documents, the rows the
//! SQL returns on SQLite and on PostgreSQL are exactly those the in-memory evaluator accepts.

use cmdb_model::query::{CmpOp, Expr, StrKind, Test};
use cmdb_store::query::Hot;
use cmdb_store::{instances::InstanceQuery, Kind, Store, StoreOptions};
use serde_json::{json, Value};

/// Small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

const WORDS: [&str; 8] = ["a", "ab", "Ab", "abc", "b", "", "x'y", "%_"];

fn scalar(r: &mut Rng) -> Value {
    match r.below(6) {
        0 => json!(r.below(5) as i64),
        1 => json!(r.below(5) as f64 + 0.5),
        2 => json!(*r.pick(&WORDS)),
        3 => json!(r.below(2) == 0),
        4 => Value::Null,
        _ => json!(r.below(3) as i64),
    }
}

fn doc(r: &mut Rng, id: i64) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("bk_obj_id".into(), json!("prop"));
    m.insert("bk_inst_id".into(), json!(id));
    m.insert("bk_inst_name".into(), json!(*r.pick(&WORDS)));
    if r.below(4) != 0 {
        let v = match r.below(4) {
            0 => json!(r.below(4) as i64),
            1 => Value::Null,
            _ => json!(*r.pick(&WORDS)),
        };
        m.insert("sv".into(), v);
    }
    for f in ["a", "s", "arr", "o"] {
        if r.below(5) == 0 {
            continue; // missing
        }
        let v = match f {
            "a" => scalar(r),
            "s" => json!(*r.pick(&WORDS)),
            "arr" => Value::Array((0..r.below(4)).map(|_| scalar(r)).collect()),
            _ => json!({"k": scalar(r)}),
        };
        m.insert(f.into(), v);
    }
    Value::Object(m)
}

fn leaf(r: &mut Rng) -> Expr {
    let field = *r.pick(&["a", "s", "arr", "o.k", "o", "bk_inst_id", "bk_inst_name", "missing", "sv", "sv"][..]);
    let t = match r.below(12) {
        0 | 1 => Test::Eq(scalar(r)),
        2 => Test::In((0..r.below(3) + 1).map(|_| scalar(r)).collect()),
        3 | 4 => {
            let op = *r.pick(&[CmpOp::Lt, CmpOp::Lte, CmpOp::Gt, CmpOp::Gte]);
            let v = if r.below(2) == 0 { json!(r.below(5) as i64) } else { json!(*r.pick(&WORDS)) };
            Test::Cmp(op, v)
        }
        5 | 6 => {
            let kind = *r.pick(&[StrKind::Prefix, StrKind::Suffix, StrKind::Contains]);
            let text = r.pick(&["a", "b", "A", "ab", "%", "'", "a.", "_"][..]).to_string();
            let ci = r.below(2) == 0;
            let pat = match kind {
                StrKind::Prefix => format!("^(?:{text})"),
                StrKind::Suffix => format!("(?:{text})$"),
                StrKind::Contains => text.clone(),
            };
            let pat = if ci { format!("(?i){pat}") } else { pat };
            Test::Str { kind, text, ci, re: regex::Regex::new(&pat).unwrap() }
        }
        7 => Test::Exists,
        8 => Test::IsNull,
        9 => {
            if r.below(2) == 0 {
                Test::EmptyArray
            } else {
                Test::Size(r.below(3) as usize)
            }
        }
        10 => Test::Regex(regex::Regex::new(*r.pick(&["^a", "b$", "(?i)A"])).unwrap()),
        _ => Test::AllOf(vec![scalar(r)]),
    };
    Expr::Field(field.to_string(), t)
}

fn expr(r: &mut Rng, depth: u32) -> Expr {
    if depth == 0 || r.below(3) == 0 {
        return leaf(r);
    }
    match r.below(3) {
        0 => Expr::And((0..r.below(3) + 1).map(|_| expr(r, depth - 1)).collect()),
        1 => Expr::Or((0..r.below(3) + 1).map(|_| expr(r, depth - 1)).collect()),
        _ => Expr::Not(Box::new(expr(r, depth - 1))),
    }
}

const HOT: [Hot; 2] = [
    Hot { field: "bk_inst_id", column: "id", numeric: true },
    Hot { field: "bk_inst_name", column: "name", numeric: false },
];

async fn check(url: &str, seed: u64) {
    let store = Store::connect(url, &StoreOptions::default()).await.unwrap();
    store.migrate(|_| Box::pin(async { Ok(()) })).await.unwrap();
    let mut r = Rng(seed);
    let docs: Vec<Value> = (1..=60).map(|i| doc(&mut r, i)).collect();
    let mut tx = store.begin().await.unwrap();
    for d in &docs {
        tx.insert_doc(Kind::Instance, d).await.unwrap();
    }
    tx.commit().await.unwrap();
    for case in 0..400 {
        let e = expr(&mut r, 3);
        let want: Vec<i64> = docs.iter().filter(|d| e.matches(d)).map(|d| d["bk_inst_id"].as_i64().unwrap()).collect();
        let scalar = vec!["sv".to_string()];
        let q = InstanceQuery {
            obj_id: "prop",
            filter: &e,
            hot: &HOT,
            scalar: &scalar,
            sort: &[],
            start: 0,
            limit: 0,
            within: None,
        };
        let found = store.find_instances(&q).await.unwrap_or_else(|err| panic!("case {case}: {e:?}: {err}"));
        let got: Vec<i64> = found.iter().map(|d| d["bk_inst_id"].as_i64().unwrap()).collect();
        assert_eq!(got, want, "case {case} on {url}: {e:?}");
        assert_eq!(store.count_instances(&q).await.unwrap(), want.len() as i64, "count, case {case}: {e:?}");
    }
}

#[tokio::test]
async fn sql_matches_evaluator_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cmdb-props-{}", std::process::id()));
    check(&format!("sqlite://{}/p.db", dir.display()), 0x9E3779B97F4A7C15).await;
}

#[tokio::test]
async fn sql_matches_evaluator_on_postgres() {
    let admin = std::env::var("CMDB_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("cmdb_t_props_{}", std::process::id());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&admin).await.expect("PostgreSQL for the property test");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&pool).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    check(&url, 0xD1B54A32D192ED03).await;
    pool.close().await;
}
