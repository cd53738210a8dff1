//! The soundtrack's own thread: the audio encoder (and a file's demuxer and decoder) run
//! beside the video encoder instead of in series with it. The encoder thread sends it the
//! samples and where the video has come; it sends back packets, which the encoder thread
//! writes to the muxer with the video's. Its errors come back on the encoder thread's next
//! step, with their cause.

use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use ff::Rational;
use ffmpeg_next as ff;

use super::{AudioTrack, AudioTrackSummary, Chunk, VideoEnd};
use crate::error::{Error, Result};
use crate::output::stream::PacketOut;

/// Packets on their way back to the encoder thread.
struct ToMuxer(Sender<(ff::Packet, Rational)>);

impl PacketOut for ToMuxer {
    fn write(&mut self, packet: &mut ff::Packet, time_base: Rational) -> Result<()> {
        let p = std::mem::replace(packet, ff::Packet::empty());
        self.0
            .send((p, time_base))
            .map_err(|_| Error::EncoderThread("the encoder thread stopped taking audio".into()))
    }
}

enum Msg {
    Push(Chunk, VideoEnd),
    Follow(VideoEnd),
    EndedBefore(VideoEnd, Sender<Result<bool>>),
    Finish(Option<VideoEnd>, Sender<Result<AudioTrackSummary>>),
}

/// How many requests may wait for the audio thread: a few frames' worth, so that the audio
/// never trails the video by much (the muxer holds video until the audio catches up).
const DEPTH: usize = 16;

/// The encoder thread's handle on the soundtrack's thread.
pub(crate) struct AudioThread {
    tx: Option<Sender<Msg>>,
    packets: Receiver<(ff::Packet, Rational)>,
    failed: Receiver<Error>,
    handle: Option<JoinHandle<()>>,
}

impl AudioThread {
    /// Moves `track` (opened, its stream added to the muxer) to a thread of its own.
    pub(crate) fn spawn(mut track: AudioTrack) -> Result<Self> {
        let (tx, rx) = crossbeam_channel::bounded::<Msg>(DEPTH);
        let (ptx, packets) = crossbeam_channel::unbounded();
        let (etx, failed) = crossbeam_channel::bounded(1);
        let handle = std::thread::Builder::new()
            .name("encode-native-audio".into())
            .spawn(move || {
                let mut out = ToMuxer(ptx);
                for msg in rx.iter() {
                    let done = match msg {
                        Msg::Push(chunk, end) => track.push(chunk, &mut out, end),
                        Msg::Follow(end) => track.follow(&mut out, end),
                        Msg::EndedBefore(at, reply) => {
                            let _ = reply.send(track.ended_before(at));
                            Ok(())
                        }
                        Msg::Finish(end, reply) => {
                            let _ = reply.send(track.finish(&mut out, end));
                            return;
                        }
                    };
                    if let Err(e) = done {
                        let _ = etx.send(e);
                        return;
                    }
                }
            })
            .map_err(|e| Error::io("cannot start the audio thread", e))?;
        Ok(AudioThread {
            tx: Some(tx),
            packets,
            failed,
            handle: Some(handle),
        })
    }

    fn send(&mut self, mut msg: Msg) -> Result<()> {
        // A full queue waits for the audio thread; one that has stopped leaves its error.
        let sent = loop {
            let Some(tx) = self.tx.as_ref() else {
                break false;
            };
            match tx.send_timeout(msg, Duration::from_millis(50)) {
                Ok(()) => break true,
                Err(crossbeam_channel::SendTimeoutError::Disconnected(_)) => break false,
                Err(crossbeam_channel::SendTimeoutError::Timeout(m)) => {
                    if self.handle.as_ref().is_none_or(|h| h.is_finished()) {
                        break false;
                    }
                    msg = m;
                }
            }
        };
        if sent {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    /// Waits for the answer to a request, or for the audio thread to stop: a request queued
    /// behind one that failed is never answered, and the queue keeps its reply sender alive
    /// after the thread is gone, so the answer alone could be waited for forever.
    fn answer<T>(&mut self, answer: &Receiver<Result<T>>) -> Result<T> {
        let failed = self.failed.clone();
        loop {
            crossbeam_channel::select! {
                recv(answer) -> r => return r.unwrap_or_else(|_| Err(self.error())),
                recv(failed) -> e => {
                    if let Ok(e) = e {
                        self.tx = None;
                        if let Some(h) = self.handle.take() {
                            let _ = h.join();
                        }
                        return Err(e);
                    }
                    // Disconnected: the thread has ended, after answering or not.
                    if let Some(h) = self.handle.take() {
                        let _ = h.join();
                    }
                    return answer.try_recv().unwrap_or_else(|_| Err(self.error()));
                }
                default(Duration::from_millis(50)) => {
                    if self.handle.as_ref().is_none_or(|h| h.is_finished()) {
                        // It may have answered just before it ended.
                        return answer.try_recv().unwrap_or_else(|_| Err(self.error()));
                    }
                }
            }
        }
    }

    /// The audio thread's error, once it has stopped.
    fn error(&mut self) -> Error {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        self.failed
            .try_recv()
            .unwrap_or_else(|_| Error::EncoderThread("the audio thread stopped".into()))
    }

    /// Hands over one push of samples; the video has reached `end`.
    pub(crate) fn push(&mut self, chunk: Chunk, end: VideoEnd) -> Result<()> {
        self.send(Msg::Push(chunk, end))
    }

    /// Tells it the video has reached `end`.
    pub(crate) fn follow(&mut self, end: VideoEnd) -> Result<()> {
        self.send(Msg::Follow(end))
    }

    /// For `shortest` with a file: whether the soundtrack ends before `at`.
    pub(crate) fn ended_before(&mut self, at: VideoEnd) -> Result<bool> {
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.send(Msg::EndedBefore(at, reply))?;
        self.answer(&answer)
    }

    /// Writes the packets it has made so far to `mux`; its error, if it has failed.
    pub(crate) fn drain(&mut self, mux: &mut dyn PacketOut) -> Result<()> {
        while let Ok((mut p, tb)) = self.packets.try_recv() {
            mux.write(&mut p, tb)?;
        }
        if let Ok(e) = self.failed.try_recv() {
            self.tx = None;
            return Err(e);
        }
        Ok(())
    }

    /// Ends the soundtrack against the video's `end`, writes all its packets and reports it.
    pub(crate) fn finish(
        &mut self,
        mux: &mut dyn PacketOut,
        end: Option<VideoEnd>,
    ) -> Result<AudioTrackSummary> {
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.send(Msg::Finish(end, reply))?;
        let summary = self.answer(&answer);
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        // Every packet was sent before the answer.
        while let Ok((mut p, tb)) = self.packets.try_recv() {
            mux.write(&mut p, tb)?;
        }
        summary
    }
}

impl Drop for AudioThread {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
