//! A decoder that lets nothing pass, shared by the integration tests and the fuzz harness
//! (which includes this file by path).

use std::path::Path;

use ffmpeg_next as ff;

/// Decodes the video of `path` with a decoder that lets nothing pass (one thread, no
/// concealment, every error fatal, no damaged picture): the number of frames, or the first
/// problem.
pub fn strict_frame_count(path: &Path) -> Result<u64, String> {
    ff::init().unwrap();
    let mut ictx = ff::format::input(path).map_err(|e| format!("cannot open: {e}"))?;
    let stream = ictx
        .streams()
        .best(ff::media::Type::Video)
        .ok_or("no video stream")?;
    let index = stream.index();
    let mut ctx = ff::codec::Context::from_parameters(stream.parameters()).unwrap();
    ctx.set_threading(ff::threading::Config {
        kind: ff::threading::Type::None,
        count: 1,
        ..Default::default()
    });
    let mut dec = ctx.decoder();
    dec.conceal(ff::codec::decoder::Conceal::empty());
    dec.check(ff::codec::decoder::Check::EXPLODE | ff::codec::decoder::Check::BUFFER);
    let mut dec = dec.video().map_err(|e| e.to_string())?;
    let mut frame = ff::frame::Video::empty();
    let mut n = 0u64;
    let mut receive = |dec: &mut ff::decoder::Video, n: &mut u64| -> Result<(), String> {
        loop {
            match dec.receive_frame(&mut frame) {
                Ok(()) if frame.is_corrupt() => return Err(format!("frame {n} is damaged")),
                Ok(()) => *n += 1,
                Err(ff::Error::Eof) => return Ok(()),
                Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => {
                    return Ok(())
                }
                Err(e) => return Err(format!("after {n} frames: {e}")),
            }
        }
    };
    loop {
        let mut packet = ff::Packet::empty();
        match packet.read(&mut ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => break,
            Err(e) => return Err(format!("read error after {n} frames: {e}")),
        }
        if packet.stream() != index {
            continue;
        }
        if packet.is_corrupt() {
            return Err(format!("packet after {n} frames is flagged damaged"));
        }
        dec.send_packet(&packet)
            .map_err(|e| format!("after {n} frames: {e}"))?;
        receive(&mut dec, &mut n)?;
    }
    dec.send_eof().map_err(|e| e.to_string())?;
    receive(&mut dec, &mut n)?;
    Ok(n)
}
