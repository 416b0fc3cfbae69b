//! The schema: `migrate` run by several processes at once, and the writers'
//! table definitions against the migrated catalog.

use sleeper_tests::harness::{Bin, Scalar, TestEnv};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_is_safe_from_several_processes_at_once() {
    let env = TestEnv::new("migrate_race").await;
    let vars = env.vars();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let vars = vars.clone();
            std::thread::spawn(move || Bin::consumer().run(&["migrate"], &vars))
        })
        .collect();
    for h in handles {
        let out = h.join().unwrap();
        assert!(
            out.status.success(),
            "a concurrent migrate failed: {}",
            out.stderr
        );
    }
    let pg = env.pg().await;
    let applied: i64 = pg
        .scalar("SELECT count(*) FROM pipeline.schema_migrations", &[])
        .await;
    let distinct: i64 = pg
        .scalar("SELECT count(DISTINCT (target_schema, migration_set, name)) FROM pipeline.schema_migrations", &[])
        .await;
    assert_eq!(applied, distinct);
    assert!(
        applied >= 3,
        "pipeline and projection migrations recorded once each: {applied}"
    );
}

/// The writers' static table definitions agree with the migrated catalog:
/// every column exists with the SQL type its `ColType` stands for. Binary
/// COPY (the rebuild) sends each cell in its column's binary format, which
/// Postgres reads by the column's real type: a drift would be misread or
/// refused, not converted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_definitions_match_the_migrated_column_types() {
    use sleeper_consumer::project::TABLES;
    let env = TestEnv::migrated("table_types").await;
    let pg = env.pg().await;
    let mut checked = 0;
    for table in TABLES {
        let rows = pg
            .query(
                "SELECT a.attname::text, a.atttypid, format_type(a.atttypid, a.atttypmod)
                 FROM pg_attribute a
                 WHERE a.attrelid = format('sleeper.%I', $1::text)::regclass
                   AND a.attnum > 0 AND NOT a.attisdropped",
                &[&table.name],
            )
            .await
            .unwrap_or_else(|e| panic!("table {}: {e}", table.name));
        let sql: std::collections::HashMap<String, (u32, String)> = rows
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect();
        for c in table.columns {
            let want = c.ty.pg_type();
            let found = sql.get(c.name);
            assert_eq!(
                found.map(|(oid, _)| *oid),
                Some(want.oid()),
                "{}.{}: declared {want}, migrated {:?}",
                table.name,
                c.name,
                found.map(|(_, name)| name)
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} columns checked");
}
