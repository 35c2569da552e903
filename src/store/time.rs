//! How times are stored: unix milliseconds, UTC, in INTEGER columns.
//!
//! Integers sort and compare as numbers in SQLite (indexes on `published`
//! work without a fixed text format), and sqlx's own `DateTime` mapping
//! stores text, reading integers back as seconds, so refeed encodes times
//! itself through this newtype.

use chrono::{DateTime, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{Sqlite, SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Type};

/// A time as stored: bound and read as unix milliseconds. Sub-millisecond
/// precision is dropped on the way in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Millis(pub(super) DateTime<Utc>);

impl Type<Sqlite> for Millis {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Millis {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode_by_ref(&self.0.timestamp_millis(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Millis {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let millis = <i64 as Decode<Sqlite>>::decode(value)?;
        DateTime::from_timestamp_millis(millis)
            .map(Millis)
            .ok_or_else(|| format!("time out of range: {millis} ms since 1970").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Connection, SqliteConnection};

    async fn memory() -> SqliteConnection {
        SqliteConnection::connect("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn a_time_is_stored_as_unix_milliseconds_and_read_back() {
        let mut conn = memory().await;
        let time = DateTime::parse_from_rfc3339("2024-05-06T07:08:09.123Z")
            .unwrap()
            .to_utc();
        let (raw, back): (i64, Millis) = sqlx::query_as("SELECT ?1, ?1")
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
        let result: Result<(Millis,), _> = sqlx::query_as("SELECT ?1")
            .bind(i64::MAX)
            .fetch_one(&mut conn)
            .await;
        let message = format!("{:?}", result.unwrap_err());
        assert!(message.contains("out of range"), "{message}");
    }
}
