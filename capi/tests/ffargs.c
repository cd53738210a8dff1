/*
 * ffargs.c: a video whose settings are ffmpeg's own flags, given to
 * en_config_apply_ffmpeg_args as a command line's words; the test script checks it with
 * ffprobe (codec, pixel format, frames, size, duration, fragments). With a second path, the
 * same frames also go through the "filter" setting ("transpose=1": a 64x96 video).
 *
 *   ./ffargs OUT.mp4 [FILTERED.mp4]
 */
#include <encode_native.h>
#include <stdio.h>
#include <stdlib.h>

enum { WIDTH = 96, HEIGHT = 64, FRAMES = 30 };

/* Writes FRAMES frames of a moving pattern with `cfg` to `path` (freeing `cfg`). */
static int write_frames(EnConfig *cfg, const char *path) {
    EnWriter *w = en_writer_open(cfg, path);
    en_config_free(cfg);
    if (!w) {
        fprintf(stderr, "ffargs: %s\n", en_last_error());
        return 1;
    }
    static uint8_t rgb[WIDTH * HEIGHT * 3];
    for (int f = 0; f < FRAMES; f++) {
        for (int i = 0; i < WIDTH * HEIGHT * 3; i++)
            rgb[i] = (uint8_t)(i * 7 + f * 8);
        if (en_writer_push(w, rgb, WIDTH * 3) != EN_OK) {
            fprintf(stderr, "ffargs: %s\n", en_last_error());
            en_writer_discard(w);
            return 1;
        }
    }
    EnSummary s;
    s.size = sizeof s;
    if (en_writer_finish(w, &s) != EN_OK || s.frames != FRAMES) {
        fprintf(stderr, "ffargs: %s (%llu frames)\n", en_last_error(), (unsigned long long)s.frames);
        return 1;
    }
    printf("%s %s %ux%u\n", path, s.codec, s.width, s.height);
    return 0;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "ffargs.mp4";
    /* Made at 10 fps: "-r 30" makes it 30, so 30 frames last one second. */
    EnConfig *cfg = en_config_new(WIDTH, HEIGHT, 10, 1);
    const char *args[] = {"-y", "-hide_banner", "-loglevel", "error", "-c:v", "libx264",
                          "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv444p",
                          "-g", "10", "-r", "30", "-movflags", "frag_keyframe+empty_moov"};
    if (!cfg || en_config_apply_ffmpeg_args(cfg, args, sizeof args / sizeof args[0]) != EN_OK) {
        fprintf(stderr, "ffargs: %s\n", en_last_error());
        return 1;
    }
    if (write_frames(cfg, path) != 0)
        return 1;
    if (argc > 2) {
        cfg = en_config_new(WIDTH, HEIGHT, 30, 1);
        if (!cfg || en_config_set(cfg, "filter", "transpose=1") != EN_OK ||
            en_config_set(cfg, "preset", "ultrafast") != EN_OK) {
            fprintf(stderr, "ffargs: %s\n", en_last_error());
            en_config_free(cfg);
            return 1;
        }
        return write_frames(cfg, argv[2]);
    }
    return 0;
}
