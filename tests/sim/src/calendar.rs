//! The NFL calendar in US-Eastern time: week boundaries and game windows.
//!
//! Everything time-driven in the simulator (live scoring, waivers, the NFL
//! state's week) is placed on this calendar. US-Eastern is computed with the
//! US daylight-saving rule (second Sunday of March to first Sunday of
//! November, at 02:00 local) instead of a time-zone database, which keeps the
//! crate small and the result fixed.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// When a game slot is played, relative to the week's Thursday.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    Thursday,
    Sunday,
    Monday,
    Bye,
}

/// The n-th `weekday` of `month` (n from 1).
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default())
}

fn at(date: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default())
}

/// Whether a US-Eastern wall-clock time is in daylight-saving time.
fn local_is_dst(local: NaiveDateTime) -> bool {
    let year = local.year();
    let start = at(nth_weekday(year, 3, Weekday::Sun, 2), 2, 0);
    let end = at(nth_weekday(year, 11, Weekday::Sun, 1), 2, 0);
    local >= start && local < end
}

/// US-Eastern wall-clock time to unix milliseconds.
pub fn et_to_ms(local: NaiveDateTime) -> i64 {
    let offset_h = if local_is_dst(local) { 4 } else { 5 };
    local.and_utc().timestamp_millis() + offset_h * HOUR_MS
}

/// Unix milliseconds to US-Eastern wall-clock time.
pub fn ms_to_et(ms: i64) -> NaiveDateTime {
    let utc = chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .naive_utc();
    let dst_guess = utc - Duration::hours(4);
    if local_is_dst(dst_guess) {
        dst_guess
    } else {
        utc - Duration::hours(5)
    }
}

/// One season's calendar: week 1 kicks off on the Thursday after Labor Day.
#[derive(Clone, Debug)]
pub struct SeasonCalendar {
    pub season: i32,
    pub weeks: u32,
    pub week1_thursday: NaiveDate,
}

/// Where an instant falls in the season.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Before week 1's Tuesday.
    Pre,
    /// Inside week `n` (Tuesday 00:00 ET to the next Tuesday).
    Week(u32),
    /// After the last week.
    Post,
}

impl SeasonCalendar {
    pub fn new(season: i32, weeks: u32) -> Self {
        let labor_day = nth_weekday(season, 9, Weekday::Mon, 1);
        Self {
            season,
            weeks,
            week1_thursday: labor_day + Duration::days(3),
        }
    }

    pub fn thursday(&self, week: u32) -> NaiveDate {
        self.week1_thursday + Duration::days(7 * (i64::from(week) - 1))
    }

    /// Tuesday 00:00 ET before the week's Thursday: the NFL state rolls over.
    pub fn week_start_ms(&self, week: u32) -> i64 {
        et_to_ms(at(self.thursday(week) - Duration::days(2), 0, 0))
    }

    /// The week's games are all final (the next Tuesday 00:00 ET).
    pub fn week_end_ms(&self, week: u32) -> i64 {
        self.week_start_ms(week + 1)
    }

    /// The live window of a slot, `[start, end)` in unix ms.
    pub fn window(&self, week: u32, slot: Slot) -> Option<(i64, i64)> {
        let thu = self.thursday(week);
        let (day, h, m) = match slot {
            Slot::Thursday => (thu, 20, 15),
            Slot::Sunday => (thu + Duration::days(3), 13, 0),
            Slot::Monday => (thu + Duration::days(4), 20, 15),
            Slot::Bye => return None,
        };
        Some((et_to_ms(at(day, h, m)), et_to_ms(at(day, 23, 59))))
    }

    /// Kick-off of the week's first game: lineups are read at this instant.
    pub fn kickoff_ms(&self, week: u32) -> i64 {
        et_to_ms(at(self.thursday(week), 20, 15))
    }

    /// An ET wall-clock time on a day of the week (0 = Tuesday, the week's
    /// first day, ..., 6 = Monday).
    pub fn week_day_at(&self, week: u32, day: u32, hour: u32, minute: u32) -> i64 {
        let tuesday = self.thursday(week) - Duration::days(2);
        et_to_ms(at(tuesday + Duration::days(i64::from(day)), hour, minute))
    }

    pub fn phase(&self, ms: i64) -> Phase {
        if ms < self.week_start_ms(1) {
            return Phase::Pre;
        }
        if ms >= self.week_end_ms(self.weeks) {
            return Phase::Post;
        }
        let mut week = 1 + ((ms - self.week_start_ms(1)) / (7 * DAY_MS)) as u32;
        // Daylight-saving shifts move boundaries by an hour: settle exactly.
        while week > 1 && ms < self.week_start_ms(week) {
            week -= 1;
        }
        while week < self.weeks && ms >= self.week_end_ms(week) {
            week += 1;
        }
        Phase::Week(week)
    }

    /// Default simulated "now": Sunday 12:55 ET of `week`, five minutes before
    /// the early games.
    pub fn sunday_before_games_ms(&self, week: u32) -> i64 {
        et_to_ms(at(self.thursday(week) + Duration::days(3), 12, 55))
    }
}

/// Progress of a live window at `ms`, in whole elapsed minutes out of the
/// window's minutes: `(elapsed, total)`. Whole minutes make the score a step
/// function of time, so a cached body stays valid within a minute.
pub fn window_progress(window: (i64, i64), ms: i64) -> (i64, i64) {
    let total = ((window.1 - window.0) / 60_000).max(1);
    let elapsed = ((ms - window.0) / 60_000).clamp(0, total);
    (elapsed, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn week1_2025_kicks_off_thursday_after_labor_day() {
        let cal = SeasonCalendar::new(2025, 18);
        assert_eq!(
            cal.week1_thursday,
            NaiveDate::from_ymd_opt(2025, 9, 4).unwrap()
        );
        // 2025-09-04 20:15 EDT = 00:15 UTC next day.
        assert_eq!(cal.kickoff_ms(1), 1_757_031_300_000);
    }

    #[test]
    fn eastern_time_round_trips_across_dst() {
        for ms in [1_757_031_300_000i64, 1_763_236_800_000, 1_741_500_000_000] {
            assert_eq!(et_to_ms(ms_to_et(ms)), ms);
        }
        // Week 10 of 2025 is in November: EST, UTC-5.
        let cal = SeasonCalendar::new(2025, 18);
        let sun = cal.sunday_before_games_ms(10);
        let local = ms_to_et(sun);
        assert_eq!(local.weekday(), Weekday::Sun);
        assert_eq!((local.hour(), local.minute()), (12, 55));
        assert_eq!(cal.phase(sun), Phase::Week(10));
    }

    #[test]
    fn phases_roll_on_tuesday() {
        let cal = SeasonCalendar::new(2025, 18);
        assert_eq!(cal.phase(cal.week_start_ms(1) - 1), Phase::Pre);
        assert_eq!(cal.phase(cal.week_start_ms(1)), Phase::Week(1));
        assert_eq!(cal.phase(cal.week_start_ms(11) - 1), Phase::Week(10));
        assert_eq!(cal.phase(cal.week_start_ms(11)), Phase::Week(11));
        assert_eq!(cal.phase(cal.week_end_ms(18)), Phase::Post);
    }

    use chrono::Timelike;
}
