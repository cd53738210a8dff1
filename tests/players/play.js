// Plays one HLS (hls.js) or DASH (shaka-player) manifest in the <video> of play.html and
// writes what the player saw to window.__result; window.__result.fail is null when all is
// as expected, else one sentence saying what is not. tests/players/drive.py polls for it.
//
// VOD:  every rendition is forced in turn (hls.currentLevel = i / selectVariantTrack(t, true))
//       from a point in the clip, and must load a fragment and show a decoded frame of its size
//       while the clock advances; then the clip is played from 0 to the end at ?rate=R.
// Live: play from the live edge at real time as soon as the manifest parses, note when
//       `playing` fires (ms since ?t0) and whether the manifest was still live then, force
//       each rendition likewise, and play on until the stream ends (ENDLIST / static MPD).
'use strict';
(function () {
  const q = new URLSearchParams(location.search);
  const kind = q.get('player');
  const src = q.get('src');
  const rate = Number(q.get('rate') || '4');
  const live = q.get('live') === '1';
  const t0 = Number(q.get('t0') || Date.now());
  const budget = Number(q.get('budget') || '60') * 1000;
  const v = document.getElementById('v');
  v.muted = true;
  const R = {player: kind, live: live, renditions: [], warnings: [], rate: live ? 1 : rate};
  window.__result = null;
  window.__R = R;
  let fatal = null;
  const began = Date.now();

  const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
  async function waitFor(pred, ms, what) {
    const end = Date.now() + ms;
    for (;;) {
      if (fatal) throw new Error(fatal);
      if (pred()) return;
      if (Date.now() > end) throw new Error(what() + lastWarning());
      if (Date.now() - began > budget) throw new Error(`over the ${budget / 1000} s bound: ` + what() + lastWarning());
      await sleep(50);
    }
  }
  const lastWarning = () => (R.warnings.length ? `; last player error: ${R.warnings[R.warnings.length - 1]}` : '');
  const frames = () => (v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality().totalVideoFrames : 0);
  const round = (x) => Math.round(x * 1000) / 1000;
  const mediaError = () => (v.error ? `media error ${v.error.code}: ${v.error.message}` : null);
  v.addEventListener('error', () => { fatal = fatal || mediaError(); });

  let playingAt = null;
  v.addEventListener('playing', () => { if (playingAt === null) playingAt = Date.now(); });

  // Forces rendition `i` (by `select`), from position `at` (null: where it is), and waits for
  // a fragment of it, a decoded frame of its size and the clock moving on.
  // A player may abort its own first load when the level switch and the seek race on a busy
  // machine (hls.js: "networkError/aborted", then nothing); the switch is asked for once more
  // then, noted in R.retried, and a rendition that loads nothing twice fails.
  async function tryRendition(i, r, select, fragsOf, at) {
    const before = fragsOf();
    const name = r.width ? `${r.width}x${r.height}` : `${r.bitrate} b/s`;
    for (let attempt = 1; ; attempt++) {
      select();
      if (at !== null) v.currentTime = at;
      v.playbackRate = 1;
      v.play().catch(() => {});  // not awaited: it never settles if no data comes
      try {
        await waitFor(() => fragsOf() > before, 15000,
          () => `rendition ${i} (${name}) loaded no fragment`);
        break;
      } catch (e) {
        if (attempt >= 2 || fatal) throw e;
        R.retried = (R.retried || []).concat([`rendition ${i}: ${e.message}`]);
      }
    }
    await waitFor(() => !r.width || (v.videoWidth === r.width && v.videoHeight === r.height), 15000,
      () => `rendition ${i} (${name}) loaded fragments but shows no frame of its size (the video is ${v.videoWidth}x${v.videoHeight})`);
    const t = v.currentTime, f = frames();
    await waitFor(() => v.currentTime > t + 0.25 && frames() > f, 15000,
      () => `rendition ${i} (${name}) does not play: the clock stays at ${round(v.currentTime)} s`);
    r.checked = {at: round(t), frames: frames() - f, fragments: fragsOf() - before};
  }

  // Plays to the end; `ended` or the clock within two frames of the duration.
  async function toTheEnd(fps, ms) {
    const near = () => v.ended || (isFinite(v.duration) && v.currentTime >= v.duration - 2 / fps);
    await waitFor(near, ms, () => `playback stopped at ${round(v.currentTime)} s of ${round(v.duration)} s`
      + (v.readyState < 3 ? ` (readyState ${v.readyState}, waiting for data)` : ''));
  }

  // Plays the clip from 0 to the end on each rendition, highest bitrate first, as long as the
  // budget leaves room (the highest always): a missing or broken segment anywhere shows.
  async function fullPlays(order, select) {
    R.fullPlays = [];
    for (const i of order) {
      const need = (v.duration / rate) * 1000 + 5000;
      if (R.fullPlays.length && Date.now() - began + need > budget * 0.8) break;
      select(i);
      v.pause();
      v.currentTime = 0;
      v.playbackRate = rate;
      v.play().catch(() => {});  // not awaited: it never settles if no data comes
      await toTheEnd(fps(R.renditions), Math.max(20000, need + 10000));
      R.fullPlays.push(i);
    }
  }
  const byBitrate = () => R.renditions.map((r, i) => i).sort((a, b) => R.renditions[b].bitrate - R.renditions[a].bitrate);

  function finish(fail) {
    const q2 = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {};
    R.duration = round(v.duration);
    R.currentTime = round(v.currentTime);
    R.ended = v.ended;
    R.frames = {decoded: q2.totalVideoFrames, dropped: q2.droppedVideoFrames};
    if ('webkitAudioDecodedByteCount' in v) R.audioDecodedBytes = v.webkitAudioDecodedByteCount;
    if ('webkitVideoDecodedByteCount' in v) R.videoDecodedBytes = v.webkitVideoDecodedByteCount;
    R.seconds = round((Date.now() - began) / 1000);
    R.fail = fail || null;
    window.__result = R;
  }

  // Checks shared by both players once playback has ended.
  function afterChecks() {
    if (R.hasAudio && 'audioDecodedBytes' in R && !R.audioDecodedBytes)
      return 'the stream has sound but no audio was decoded';
    if (!R.hasVideo && !R.hasAudio) return 'neither video nor audio was buffered';
    if (live && R.liveStart && R.liveStart.endlistAtStart)
      return 'not a live start: the playlist was already complete when playback began';
    return null;
  }

  function fps(list) {
    for (const r of list) if (r.frameRate) return r.frameRate;
    return 30;
  }

  async function runHls() {
    if (!window.Hls || !Hls.isSupported()) throw new Error('hls.js: Media Source Extensions not supported');
    const hls = new Hls({debug: false, enableWorker: true, capLevelToPlayerSize: false,
                         fragLoadingMaxRetry: 2, manifestLoadingMaxRetry: live ? 20 : 2,
                         levelLoadingMaxRetry: live ? 20 : 2, startFragPrefetch: false});
    window.hls = hls;
    R.version = `hls.js ${Hls.version}`;
    const frags = {};
    let lastLive = null;
    R.buffers = {};
    hls.on(Hls.Events.ERROR, (e, d) => {
      let s = `hls.js ${d.fatal ? 'fatal' : 'non-fatal'} ${d.type}/${d.details}`;
      if (d.response && d.response.code) s += ` HTTP ${d.response.code}`;
      const url = (d.frag && d.frag.url) || d.url || (d.context && d.context.url);
      if (url) s += ` ${url.replace(location.origin, '')}`;
      if (d.reason) s += ` (${d.reason})`;
      if (d.error && d.error.message && !d.reason) s += ` (${d.error.message})`;
      if (d.fatal) fatal = fatal || s; else if (R.warnings.length < 20) R.warnings.push(s);
    });
    hls.on(Hls.Events.FRAG_BUFFERED, (e, d) => {
      if (d.frag.type === 'main') frags[d.frag.level] = (frags[d.frag.level] || 0) + 1;
    });
    hls.on(Hls.Events.BUFFER_CODECS, (e, d) => {
      for (const k of Object.keys(d)) if (d[k] && (d[k].codec || d[k].container))
        R.buffers[k] = (d[k].container || '') + (d[k].codec ? `; codecs=${d[k].codec}` : '');
    });
    hls.on(Hls.Events.LEVEL_LOADED, (e, d) => { lastLive = d.details.live; });
    hls.attachMedia(v);
    hls.loadSource(src);
    let parsed = false;
    hls.on(Hls.Events.MANIFEST_PARSED, () => { parsed = true; });
    await waitFor(() => parsed, live ? 30000 : 15000, () => 'hls.js parsed no manifest');
    R.renditions = hls.levels.map((l) => ({
      width: l.width || null, height: l.height || null, bitrate: l.bitrate,
      videoCodec: l.videoCodec || null, audioCodec: l.audioCodec || null,
      frameRate: l.frameRate || null}));
    R.audioTracks = hls.audioTracks.map((t) => ({name: t.name, lang: t.lang || null, default: t.default}));
    const declaredAudio = R.audioTracks.length > 0 || R.renditions.some((r) => r.audioCodec);
    const n = R.renditions.length;
    if (!live) await waitFor(() => isFinite(v.duration) && v.duration > 0, 15000,
                             () => 'no duration: the media never loaded (readyState ' + v.readyState + ')');

    if (live) {
      v.playbackRate = 1;
      v.play().catch(() => {});  // not awaited: it never settles if no data comes
      await waitFor(() => playingAt !== null && lastLive !== null, 45000, () => 'live playback never started');
      R.liveStart = {playingAfterMs: playingAt - t0, endlistAtStart: lastLive === false,
                     position: round(v.currentTime)};
    }
    for (let i = 0; i < n; i++) {
      const at = live ? null : Math.max(0, Math.min(v.duration - 1.5, (v.duration * i) / n));
      await tryRendition(i, R.renditions[i], () => { hls.currentLevel = i; },
                         () => frags[i] || 0, live ? null : at);
    }
    if (!live) {
      await fullPlays(byBitrate(), (i) => { hls.currentLevel = i; });
    } else {
      hls.currentLevel = byBitrate()[0];
      await toTheEnd(fps(R.renditions), budget);
      R.liveEnd = {endlistSeen: lastLive === false};
    }
    R.hasVideo = 'video' in R.buffers || 'audiovideo' in R.buffers;
    R.hasAudio = 'audio' in R.buffers || 'audiovideo' in R.buffers;
    if (declaredAudio && !R.hasAudio) return 'the manifest declares audio but hls.js buffered none';
    return null;
  }

  function shakaError(d) {
    let name = '';
    if (shaka.util && shaka.util.Error && shaka.util.Error.Code)
      for (const [k, c] of Object.entries(shaka.util.Error.Code)) if (c === d.code) name = k;
    let data = '';
    try { data = JSON.stringify(d.data, (k, x) => (x instanceof Uint8Array || x instanceof ArrayBuffer ? '[bytes]' : x)); } catch (e) { data = String(d.data); }
    return `shaka error ${d.code}${name ? ' ' + name : ''} (severity ${d.severity}) ${data.slice(0, 300)}`;
  }

  async function runShaka() {
    if (!window.shaka) throw new Error('shaka-player did not load');
    shaka.polyfill.installAll();
    if (!shaka.Player.isBrowserSupported()) throw new Error('shaka-player: browser not supported');
    const player = new shaka.Player();
    window.player = player;
    R.version = `shaka-player ${shaka.Player.version}`;
    await player.attach(v);
    player.configure({
      abr: {enabled: false},
      streaming: {retryParameters: {maxAttempts: 2, baseDelay: 200, timeout: 10000},
                  failureCallback: (e) => { fatal = fatal || shakaError(e); }},
      manifest: {retryParameters: {maxAttempts: live ? 20 : 2, baseDelay: 250, timeout: 10000}},
    });
    player.addEventListener('error', (e) => {
      const s = shakaError(e.detail);
      if (e.detail.severity === 2) fatal = fatal || s; else if (R.warnings.length < 20) R.warnings.push(s);
    });
    const segs = {};  // stream id -> segments loaded
    let segTotal = 0;
    player.getNetworkingEngine().registerResponseFilter((type, resp, ctx) => {
      if (type !== shaka.net.NetworkingEngine.RequestType.SEGMENT) return;
      segTotal++;
      const id = ctx && ctx.stream ? ctx.stream.id : null;
      segs[id] = (segs[id] || 0) + 1;
    });
    try {
      await player.load(src);
    } catch (e) {
      throw new Error(e && e.code ? shakaError(e) : String(e));
    }
    const tracks = player.getVariantTracks();
    // One rendition per video stream (with the first audio that goes with it);
    // audio-only manifests: one per variant.
    const seen = new Map();
    for (const t of tracks) {
      const key = t.videoId != null ? `v${t.videoId}` : `a${t.audioId}`;
      if (!seen.has(key)) seen.set(key, t);
    }
    const chosen = [...seen.values()].sort((a, b) => a.bandwidth - b.bandwidth).reverse();
    R.renditions = chosen.map((t) => ({
      width: t.width || null, height: t.height || null, bitrate: t.bandwidth,
      videoCodec: t.videoCodec || null, audioCodec: t.audioCodec || null,
      frameRate: t.frameRate || null}));
    R.variants = tracks.length;
    R.audioTracks = player.getAudioTracks ? player.getAudioTracks().map((t) => ({lang: t.language, codec: t.codecs || null}))
      : [...new Set(tracks.filter((t) => t.audioCodec).map((t) => t.audioId))].map((id) => ({id}));
    R.hasVideo = tracks.some((t) => t.videoCodec);
    R.hasAudio = tracks.some((t) => t.audioCodec);
    if (live) {
      v.playbackRate = 1;
      v.play().catch(() => {});  // not awaited: it never settles if no data comes
      await waitFor(() => playingAt !== null, 45000, () => 'live playback never started');
      R.liveStart = {playingAfterMs: playingAt - t0, endlistAtStart: !player.isLive(),
                     position: round(v.currentTime)};
    }
    for (let i = 0; i < chosen.length; i++) {
      const at = live ? null : Math.max(0, Math.min(v.duration - 1.5, (v.duration * i) / chosen.length));
      await tryRendition(i, R.renditions[i], () => player.selectVariantTrack(chosen[i], true),
                         () => segs[chosen[i].videoId != null ? chosen[i].videoId : chosen[i].audioId] || 0, at);
    }
    if (!live) {
      await fullPlays(byBitrate(), (i) => player.selectVariantTrack(chosen[i], true));
    } else {
      player.selectVariantTrack(chosen[0], true);
      await toTheEnd(fps(R.renditions), budget);
      R.liveEnd = {endlistSeen: !player.isLive()};
    }
    R.segments = segTotal;
    return null;
  }

  (async () => {
    let fail = null;
    try {
      fail = await (kind === 'hls' ? runHls() : runShaka());
      if (!fail && fatal) fail = fatal;
      if (!fail) fail = afterChecks();
    } catch (e) {
      fail = (e && e.message) || String(e);
    }
    finish(fail);
  })();
})();
