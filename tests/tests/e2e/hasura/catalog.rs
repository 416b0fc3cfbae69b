//! The catalog of a migrated database: tables and views of schemas
//! `sleeper` and `pipeline`, their kind and their columns.

use std::collections::BTreeMap;

/// Tables and views of schemas `sleeper` and `pipeline`: kind and columns.
#[derive(Debug, Default)]
pub struct Catalog {
    pub tables: BTreeMap<(String, String), (String, Vec<String>)>,
}

impl Catalog {
    pub async fn read(pg: &tokio_postgres::Client) -> Self {
        let mut tables = BTreeMap::new();
        for r in pg
            .query(
                "SELECT table_schema, table_name, table_type FROM information_schema.tables \
                 WHERE table_schema IN ('sleeper', 'pipeline')",
                &[],
            )
            .await
            .expect("catalog tables")
        {
            tables.insert((r.get(0), r.get(1)), (r.get::<_, String>(2), Vec::new()));
        }
        for r in pg
            .query(
                "SELECT table_schema, table_name, column_name FROM information_schema.columns \
                 WHERE table_schema IN ('sleeper', 'pipeline') ORDER BY ordinal_position",
                &[],
            )
            .await
            .expect("catalog columns")
        {
            if let Some(t) = tables.get_mut(&(r.get(0), r.get(1))) {
                t.1.push(r.get(2));
            }
        }
        Self { tables }
    }

    pub fn columns(&self, schema: &str, table: &str) -> Option<&Vec<String>> {
        self.tables
            .get(&(schema.to_string(), table.to_string()))
            .map(|t| &t.1)
    }
}
