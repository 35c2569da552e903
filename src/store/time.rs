//! How times are stored: unix milliseconds, UTC, in INTEGER columns.
//!
//! Integers sort and compare as numbers in SQLite (indexes on `published`
//! work without a fixed text format), and sqlx's own `DateTime` mapping
//! stores text, reading integers back as seconds, so refeed encodes times
//! itself through this newtype.

use chrono::{DateTime, Utc};
use sqlx::any::{Any, AnyTypeInfo, AnyTypeInfoKind, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type, ValueRef};

/// A time as stored: bound and read as unix milliseconds. Sub-millisecond
/// precision is dropped on the way in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Millis(pub(super) DateTime<Utc>);

impl Type<Any> for Millis {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl Encode<'_, Any> for Millis {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as Database>::ArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Any>>::encode_by_ref(&self.0.timestamp_millis(), buf)
    }
}

impl<'r> Decode<'r, Any> for Millis {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let millis = <i64 as Decode<Any>>::decode(value)?;
        DateTime::from_timestamp_millis(millis)
            .map(Millis)
            .ok_or_else(|| format!("time out of range: {millis} ms since 1970").into())
    }
}

/// A truth value as read: SQLite answers `EXISTS` and comparisons with
/// the integers 0 and 1 (and refeed's flag columns are 0/1 INTEGERs in
/// both backends), PostgreSQL answers them with booleans. sqlx's `Any`
/// driver decodes `bool` only from booleans, so reads go through this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Flag(pub(super) bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> Self {
        flag.0
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        ty.kind() == AnyTypeInfoKind::Bool || ty.kind().is_integer()
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.type_info().kind() == AnyTypeInfoKind::Bool {
            return <bool as Decode<Any>>::decode(value).map(Flag);
        }
        <i64 as Decode<Any>>::decode(value).map(|number| Flag(number != 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{AnyConnection, Connection};

    async fn memory() -> AnyConnection {
        AnyConnection::connect("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn a_time_is_stored_as_unix_milliseconds_and_read_back() {
        let mut conn = memory().await;
        let time = DateTime::parse_from_rfc3339("2024-05-06T07:08:09.123Z")
            .unwrap()
            .to_utc();
        let (raw, back): (i64, Millis) = sqlx::query_as("SELECT $1, $1")
            .bind(Millis(time))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(raw, 1_714_979_289_123);
        assert_eq!(back, Millis(time));
    }

    #[tokio::test]
    async fn an_out_of_range_integer_is_a_decode_error_not_a_wrong_date() {
        let mut conn = memory().await;
        let result: Result<(Millis,), _> = sqlx::query_as("SELECT $1")
            .bind(i64::MAX)
            .fetch_one(&mut conn)
            .await;
        let message = format!("{:?}", result.unwrap_err());
        assert!(message.contains("out of range"), "{message}");
    }
}
