//! SQL functions the compiled queries call on values taken out of JSON documents.

use crate::ipbytes::ip_to_bytes;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::Connection;
use std::net::IpAddr;

fn ip_of(v: ValueRef<'_>) -> Option<[u8; 16]> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t)
            .ok()?
            .trim()
            .parse::<IpAddr>()
            .ok()
            .map(ip_to_bytes),
        _ => None,
    }
}

fn blob_arg(ctx: &Context<'_>, i: usize) -> Option<Vec<u8>> {
    match ctx.get_raw(i) {
        ValueRef::Blob(b) => Some(b.to_vec()),
        _ => None,
    }
}

pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("steward_ip_in", 3, flags, |ctx| {
        let (Some(ip), Some(lo), Some(hi)) =
            (ip_of(ctx.get_raw(0)), blob_arg(ctx, 1), blob_arg(ctx, 2))
        else {
            return Ok(false);
        };
        Ok(lo.as_slice() <= ip.as_slice() && ip.as_slice() <= hi.as_slice())
    })?;
    conn.create_scalar_function("steward_ip_eq", 2, flags, |ctx| {
        Ok(match (ip_of(ctx.get_raw(0)), blob_arg(ctx, 1)) {
            (Some(ip), Some(b)) => ip.as_slice() == b.as_slice(),
            _ => false,
        })
    })?;
    conn.create_scalar_function("steward_ip", 1, flags, |ctx| {
        Ok(match ip_of(ctx.get_raw(0)) {
            Some(ip) => SqlValue::Blob(ip.to_vec()),
            None => SqlValue::Null,
        })
    })?;
    conn.create_scalar_function("steward_num", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Integer(i) => SqlValue::Real(i as f64),
            ValueRef::Real(x) => SqlValue::Real(x),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .ok()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .map_or(SqlValue::Null, SqlValue::Real),
            _ => SqlValue::Null,
        })
    })?;
    conn.create_scalar_function("steward_ts", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => std::str::from_utf8(t)
                .ok()
                .and_then(steward_model::time::parse_timestamp)
                .map_or(SqlValue::Null, |t| SqlValue::Integer(t.timestamp_micros())),
            _ => SqlValue::Null,
        })
    })?;
    Ok(())
}
