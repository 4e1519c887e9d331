//! One page of a list, and how callers ask for it.

use serde::{Deserialize, Deserializer, Serialize};
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

/// The largest `offset` a query string may carry: SQLite counts in signed 64 bits.
pub const MAX_OFFSET: u64 = i64::MAX as u64;

/// Reads an optional number from a query string and refuses it outside `lo..=hi`, so
/// that the range the OpenAPI document states is the range the API enforces.
pub fn query_in_range<'de, D, T>(d: D, name: &str, lo: T, hi: T) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + PartialOrd + std::fmt::Display + Copy,
{
    match Option::<T>::deserialize(d)? {
        Some(v) if v < lo || v > hi => Err(serde::de::Error::custom(format!(
            "{name}: {v} is outside {lo}..={hi}"
        ))),
        other => Ok(other),
    }
}

/// `limit` in a query string: 1 to [`MAX_LIMIT`].
pub fn limit_param<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    query_in_range(d, "limit", 1, MAX_LIMIT)
}

/// `offset` in a query string: 0 to [`MAX_OFFSET`].
pub fn offset_param<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    query_in_range(d, "offset", 0, MAX_OFFSET)
}

/// `min_criticality` in a query string: 1 to 5.
pub fn criticality_param<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    query_in_range(d, "min_criticality", 1, 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Query {
        #[serde(default, deserialize_with = "limit_param")]
        limit: Option<u32>,
        #[serde(default, deserialize_with = "offset_param")]
        offset: Option<u64>,
    }

    #[test]
    fn query_strings_outside_the_documented_range_are_refused() {
        let ok: Query = serde_urlencoded::from_str("limit=500&offset=9223372036854775807").unwrap();
        assert_eq!((ok.limit, ok.offset), (Some(500), Some(MAX_OFFSET)));
        let none: Query = serde_urlencoded::from_str("").unwrap();
        assert_eq!((none.limit, none.offset), (None, None));
        for bad in [
            "limit=0",
            "limit=501",
            "offset=9223372036854775808",
            "limit=x",
        ] {
            assert!(
                serde_urlencoded::from_str::<Query>(bad).is_err(),
                "{bad} was accepted"
            );
        }
    }

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
