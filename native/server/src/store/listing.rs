//! A job listing (`GET /api/v1/job`) as SQL both stores run: the same conditions, order and
//! page, with each dialect's own placeholders and values.

use model::{JobQuery, OrderBy, OrderDirection};

/// A condition's value, typed as its column is.
pub enum Param {
    Int(i32),
    BigInt(i64),
    Text(String),
}

pub struct Listing {
    /// `WHERE …`, or empty.
    pub clause: String,
    /// The values of the clause's placeholders, in order.
    pub params: Vec<Param>,
    /// `ORDER BY … LIMIT … OFFSET …`.
    pub order_and_page: String,
}

impl Listing {
    /// `placeholder(n)` writes the dialect's n-th parameter (`?1`, `$1`).
    pub fn new(q: &JobQuery, placeholder: fn(usize) -> String) -> Self {
        let mut conditions = Vec::new();
        let mut params = Vec::new();
        let mut condition = |column: &str, value: Param| {
            params.push(value);
            conditions.push(format!("{column} = {}", placeholder(params.len())));
        };
        if let Some(s) = q.status {
            condition("status", Param::Int(s));
        }
        if let Some(s) = q.script_id {
            condition("script_id", Param::BigInt(s));
        }
        if let Some(p) = &q.script_full_path {
            condition("script_full_path", Param::Text(p.clone()));
        }
        if let Some(p) = q.parent_job_id {
            condition("parent_job_id", Param::BigInt(p));
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let column = match q.order_by.unwrap_or_default() {
            OrderBy::Id => "id",
            OrderBy::StartTime => "start_time",
            OrderBy::EndTime => "end_time",
            OrderBy::CreatedTime => "created_time",
        };
        // Spelled out: the two databases place NULLs differently by default.
        let direction = match q.order_direction.unwrap_or_default() {
            OrderDirection::Ascending => "ASC NULLS FIRST",
            OrderDirection::Descending => "DESC NULLS LAST",
        };
        let take = q.take.unwrap_or(25).clamp(0, 1000);
        let skip = q.skip.unwrap_or(0).max(0);
        Self {
            clause,
            params,
            order_and_page: format!(
                "ORDER BY {column} {direction}, id {direction} LIMIT {take} OFFSET {skip}"
            ),
        }
    }
}
