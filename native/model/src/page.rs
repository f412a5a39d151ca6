//! The paging envelope of `GET /api/v1/job` and its query.

use serde::{Deserialize, Serialize};

use crate::lenient::null_default;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    #[serde(deserialize_with = "null_default")]
    pub page: Vec<T>,
    pub total: i64,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self {
            page: Vec::new(),
            total: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum OrderBy {
    #[default]
    Id,
    StartTime,
    EndTime,
    CreatedTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum OrderDirection {
    Ascending,
    #[default]
    Descending,
}

/// Query of `GET /api/v1/job`; absent fields are left out of the query string.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub take: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_by: Option<OrderBy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_direction: Option<OrderDirection>,
    /// A `JobStatus` number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_full_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_job_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_and_query() {
        let p: Page<i32> = serde_json::from_str(r#"{"page":[1,2],"total":9,"x":0}"#).unwrap();
        assert_eq!((p.page.len(), p.total), (2, 9));
        let q = JobQuery {
            take: Some(5),
            order_by: Some(OrderBy::StartTime),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&q).unwrap(),
            r#"{"take":5,"orderBy":"StartTime"}"#
        );
    }
}
