//! The soundtrack copied: a file's packets as they are, cut where the video ends.

use ffmpeg_next as ff;

use crate::error::Result;
use crate::output::stream::PacketOut;

use super::source::AudioFile;

pub(super) struct Copying {
    pub(super) file: AudioFile,
    /// Added to every timestamp (the offset, in the file's time base).
    pub(super) shift: i64,
    /// A packet read but not written yet (past where the video has come).
    pub(super) held: Option<ff::Packet>,
    pub(super) first: Option<i64>,
    pub(super) end: i64,
    pub(super) trimmed: bool,
}

impl Copying {
    pub(super) fn end_seconds(&self) -> f64 {
        let tb = self.file.time_base;
        self.end as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1))
    }

    pub(super) fn seconds(&self, ts: i64) -> f64 {
        let tb = self.file.time_base;
        ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1))
    }

    /// Reads the next packet into `held` if none is held.
    pub(super) fn fill_held(&mut self) -> Result<()> {
        if self.held.is_none() {
            if let Some(mut p) = self.file.next_packet()? {
                p.set_pts(p.pts().map(|t| t.saturating_add(self.shift)));
                p.set_dts(p.dts().map(|t| t.saturating_add(self.shift)));
                self.held = Some(p);
            }
        }
        Ok(())
    }

    /// Copies packets that start before `to` seconds (`None`: to the end), none that start
    /// at or after `cut` seconds.
    pub(super) fn copy(
        &mut self,
        mux: &mut dyn PacketOut,
        to: Option<f64>,
        cut: Option<f64>,
    ) -> Result<()> {
        loop {
            self.fill_held()?;
            let Some(p) = &self.held else {
                return Ok(());
            };
            let at = p.pts().or(p.dts()).unwrap_or(self.end);
            let secs = self.seconds(at);
            if cut.is_some_and(|c| secs >= c) {
                if to.is_none() {
                    // The end: the rest is cut.
                    self.trimmed = true;
                    self.held = None;
                    while self.file.next_packet()?.is_some() {}
                }
                return Ok(());
            }
            if to.is_some_and(|t| secs >= t) {
                return Ok(());
            }
            let Some(mut p) = self.held.take() else {
                return Ok(());
            };
            self.first = Some(self.first.map_or(at, |f| f.min(at)));
            self.end = self.end.max(at.saturating_add(p.duration().max(0)));
            p.set_position(-1);
            mux.write(&mut p, self.file.time_base)?;
        }
    }
}
