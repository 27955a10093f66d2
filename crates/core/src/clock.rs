//! The console's clock: wall-clock time and the time zone times are shown in, in one
//! place. `app`, the pollers, the providers, `snapshot` and `State` all read it here, so
//! a provider's "today" and the console's "today" are the same day.

/// Wall-clock milliseconds since the Unix epoch.
pub fn epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The time zone the console shows times in and counts "today" by (the system's).
pub fn time_zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::system()
}

/// Local midnight of today in [`time_zone`], epoch ms.
pub fn today_start_ms() -> i64 {
    crate::stats::day_start_ms(epoch_ms(), &time_zone())
}
