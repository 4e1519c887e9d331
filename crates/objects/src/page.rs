//! One page of a list, and how callers ask for it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The most items one page may hold.
pub const MAX_LIMIT: u32 = 500;
const DEFAULT_LIMIT: u32 = 50;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many objects match the filter, over all pages.
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}

/// `limit` (1..=500, default 50) and `offset` as a filter carries them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: Option<u32>,
    pub offset: Option<u64>,
}

impl PageRequest {
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }
    pub fn offset(&self) -> u64 {
        self.offset.unwrap_or(0)
    }
    /// SQLite takes signed integers; offsets past i64 are clamped (they match nothing).
    pub fn offset_i64(&self) -> i64 {
        i64::try_from(self.offset()).unwrap_or(i64::MAX)
    }
    pub fn page<T>(&self, items: Vec<T>, total: u64) -> Page<T> {
        Page {
            items,
            total,
            limit: self.limit(),
            offset: self.offset(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

impl SortOrder {
    pub fn sql(self) -> &'static str {
        match self {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_clamped() {
        assert_eq!(PageRequest::default().limit(), 50);
        assert_eq!(
            PageRequest {
                limit: Some(0),
                offset: None
            }
            .limit(),
            1
        );
        assert_eq!(
            PageRequest {
                limit: Some(10_000),
                offset: None
            }
            .limit(),
            MAX_LIMIT
        );
        assert_eq!(
            PageRequest {
                limit: None,
                offset: Some(u64::MAX)
            }
            .offset_i64(),
            i64::MAX
        );
    }
}
