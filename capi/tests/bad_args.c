/*
 * bad_args.c: every function of the C API called with bad arguments. Each call must return
 * its error code (or NULL) with a message that says what is wrong, and never crash; the
 * writer must stay usable after a refused frame. Exits 0 when every check holds.
 *
 *   cc bad_args.c -o bad_args $(pkg-config --cflags --libs encode_native)
 *   ./bad_args DIR          (DIR: a writable directory for the few files it writes)
 */
#include <encode_native.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks, failures;

/* Checks that the last call's message is non-empty and contains `needle`. */
static void message_has(const char *call, int line, const char *needle) {
    const char *m = en_last_error();
    if (!m) {
        fprintf(stderr, "line %d: %s: en_last_error() is NULL\n", line, call);
        failures++;
    } else if (!*m) {
        fprintf(stderr, "line %d: %s: the message is empty\n", line, call);
        failures++;
    } else if (needle && !strstr(m, needle)) {
        fprintf(stderr, "line %d: %s: the message \"%s\" lacks \"%s\"\n", line, call, m, needle);
        failures++;
    } else {
        printf("ok  %-72s %s\n", call, m);
    }
}

/* `call` returns `code`; unless it is EN_OK, the message contains `needle`. */
#define EXPECT(call, code, needle)                                                             \
    do {                                                                                       \
        int rc_ = (call);                                                                      \
        checks++;                                                                              \
        if (rc_ != (code)) {                                                                   \
            fprintf(stderr, "line %d: %s returned %d, expected %d (%s)\n", __LINE__, #call,   \
                    rc_, (int)(code), en_last_error());                                       \
            failures++;                                                                        \
        } else if ((code) != EN_OK) {                                                          \
            message_has(#call, __LINE__, needle);                                              \
        } else if (*en_last_error()) {                                                         \
            fprintf(stderr, "line %d: %s succeeded but left the message \"%s\"\n", __LINE__,  \
                    #call, en_last_error());                                                   \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* `call` returns NULL, with a message containing `needle`. */
#define EXPECT_NULL(call, needle)                                                              \
    do {                                                                                       \
        const void *p_ = (call);                                                               \
        checks++;                                                                              \
        if (p_) {                                                                              \
            fprintf(stderr, "line %d: %s did not return NULL\n", __LINE__, #call);             \
            failures++;                                                                        \
        } else {                                                                               \
            message_has(#call, __LINE__, needle);                                              \
        }                                                                                      \
    } while (0)

/* A condition that must hold. */
#define CHECK(cond)                                                                            \
    do {                                                                                       \
        checks++;                                                                              \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "line %d: %s does not hold (%s)\n", __LINE__, #cond,              \
                    en_last_error());                                                          \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

enum { W = 64, H = 48 };

static EnConfig *config(void) {
    EnConfig *cfg = en_config_new(W, H, 25, 1);
    if (!cfg || en_config_set(cfg, "preset", "ultrafast") != EN_OK) {
        fprintf(stderr, "cannot make a config: %s\n", en_last_error());
        exit(2);
    }
    return cfg;
}

/* A write callback that fails after the header. */
static int failing_write(void *user_data, const uint8_t *data, size_t len) {
    size_t *written = user_data;
    (void)data;
    if (*written > 0)
        return -5;
    *written += len;
    return 0;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    char path[4096];
    static uint8_t pixels[W * H * 4 * 2];
    EnSummary s;

    /* Before any call: no message, never NULL. */
    CHECK(en_last_error() != NULL && en_last_error()[0] == '\0');
    CHECK(strlen(en_version()) >= 5);

    /* ---- en_config_new: zero or too large sizes, bad frame rates ---- */
    EXPECT_NULL(en_config_new(0, H, 25, 1), "width");
    EXPECT_NULL(en_config_new(W, 0, 25, 1), "height");
    EXPECT_NULL(en_config_new(0, 0, 25, 1), "width");
    EXPECT_NULL(en_config_new(100000, H, 25, 1), "width");
    EXPECT_NULL(en_config_new(W, H, 0, 1), "frame_rate");
    EXPECT_NULL(en_config_new(W, H, 25, 0), "frame_rate");
    EXPECT_NULL(en_config_new(W, H, -25, 1), "frame_rate");

    /* ---- en_config_set ---- */
    EnConfig *cfg = config();
    EXPECT(en_config_set(NULL, "crf", "18"), EN_ERR_INVALID_ARGUMENT, "NULL");
    EXPECT(en_config_set(cfg, NULL, "18"), EN_ERR_INVALID_ARGUMENT, "key is NULL");
    EXPECT(en_config_set(cfg, "crf", NULL), EN_ERR_INVALID_ARGUMENT, "value is NULL");
    EXPECT(en_config_set(cfg, "crff", "18"), EN_ERR_CONFIG, "did you mean 'crf'");
    EXPECT(en_config_set(cfg, "", "18"), EN_ERR_CONFIG, "setting");
    EXPECT(en_config_set(cfg, "crf", "lots"), EN_ERR_CONFIG, "crf");
    /* A number out of range is taken by en_config_set and refused when a writer opens. */
    EXPECT(en_config_set(cfg, "crf", "99"), EN_OK, NULL);
    EXPECT_NULL(en_writer_open_memory(cfg), "crf");
    EXPECT(en_config_set(cfg, "in_pix_fmt", "cmyk"), EN_ERR_CONFIG, "rgb24");
    EXPECT(en_config_set(cfg, "crf", "\xff\xfe"), EN_ERR_INVALID_ARGUMENT, "UTF-8");
    EXPECT(en_config_set((EnConfig *)(uintptr_t)0x7770, "crf", "18"), EN_ERR_INVALID_ARGUMENT,
           "not an open config");
    EXPECT(en_config_set(cfg, "crf", "18"), EN_OK, NULL);
    EXPECT(en_config_set(cfg, "pix-fmt", "yuv420p"), EN_OK, NULL); /* aliases: - or _ */

    /* ---- en_config_apply_ffmpeg_args ---- */
    {
        const char *good[] = {"-crf", "20", "-y"};
        const char *seek[] = {"-ss", "2"};
        const char *unknown[] = {"-c:s", "mov_text"};
        const char *missing[] = {"-preset", "fast", "-crf"};
        const char *bad_value[] = {"-b:v", "lots"};
        const char *movflags[] = {"-movflags", "+isml"};
        const char *rate[] = {"-r", "0"};
        const char *null_arg[] = {"-crf", NULL};
        const char *not_utf8[] = {"-preset", "\xff\xfe"};
        EXPECT(en_config_apply_ffmpeg_args(NULL, good, 3), EN_ERR_INVALID_ARGUMENT, "NULL");
        EXPECT(en_config_apply_ffmpeg_args(cfg, NULL, 2), EN_ERR_INVALID_ARGUMENT,
               "argv is NULL");
        EXPECT(en_config_apply_ffmpeg_args(cfg, NULL, 0), EN_OK, NULL);
        EXPECT(en_config_apply_ffmpeg_args(cfg, good, 3), EN_OK, NULL);
        EXPECT(en_config_apply_ffmpeg_args(cfg, seek, 2), EN_ERR_CONFIG, "supported flags are");
        EXPECT(en_config_apply_ffmpeg_args(cfg, seek, 2), EN_ERR_CONFIG, "'-ss'");
        EXPECT(en_config_apply_ffmpeg_args(cfg, unknown, 2), EN_ERR_CONFIG, "'-c:s'");
        EXPECT(en_config_apply_ffmpeg_args(cfg, missing, 3), EN_ERR_CONFIG,
               "'-crf': expected a value");
        EXPECT(en_config_apply_ffmpeg_args(cfg, bad_value, 2), EN_ERR_CONFIG, "'-b:v lots'");
        EXPECT(en_config_apply_ffmpeg_args(cfg, movflags, 2), EN_ERR_CONFIG, "+faststart");
        EXPECT(en_config_apply_ffmpeg_args(cfg, rate, 2), EN_ERR_CONFIG, "'-r 0'");
        EXPECT(en_config_apply_ffmpeg_args(cfg, null_arg, 2), EN_ERR_INVALID_ARGUMENT,
               "argument 1 of argv is NULL");
        EXPECT(en_config_apply_ffmpeg_args(cfg, not_utf8, 2), EN_ERR_INVALID_ARGUMENT, "UTF-8");
        EXPECT(en_config_apply_ffmpeg_args((EnConfig *)(uintptr_t)0x7770, good, 3),
               EN_ERR_INVALID_ARGUMENT, "not an open config");
    }

    /* ---- en_config_free: NULL and unknown handles are ignored ---- */
    en_config_free(NULL);
    en_config_free((EnConfig *)(uintptr_t)0x7770);
    message_has("en_config_free(made-up handle)", __LINE__, "not an open config");
    EnConfig *freed = config();
    en_config_free(freed);
    en_config_free(freed); /* twice */
    message_has("en_config_free(freed twice)", __LINE__, "already freed");
    EXPECT(en_config_set(freed, "crf", "18"), EN_ERR_INVALID_ARGUMENT, "already freed");

    /* ---- en_config_keys / en_config_key_help ---- */
    const char *const *keys = en_config_keys();
    int nkeys = 0, has_crf = 0;
    for (const char *const *k = keys; k && *k; k++, nkeys++)
        has_crf |= strcmp(*k, "crf") == 0;
    CHECK(nkeys >= 20 && has_crf);
    EXPECT_NULL(en_config_key_help(NULL), "key is NULL");
    EXPECT_NULL(en_config_key_help("crff"), "did you mean 'crf'");
    CHECK(en_config_key_help("preset") != NULL && strstr(en_config_key_help("preset"), "x264"));

    /* ---- en_writer_open and friends ---- */
    EXPECT_NULL(en_writer_open(NULL, "x.mp4"), "config is NULL");
    EXPECT_NULL(en_writer_open(cfg, NULL), "path is NULL");
    EXPECT_NULL(en_writer_open(cfg, ""), "path is empty");
    EXPECT_NULL(en_writer_open(freed, "x.mp4"), "already freed");
    EXPECT_NULL(en_writer_open(cfg, "/nonexistent-dir/sub/out.mp4"), "nonexistent-dir");
    snprintf(path, sizeof path, "%s/bad.xyz", dir);
    EXPECT_NULL(en_writer_open(cfg, path), "xyz");
    EXPECT_NULL(en_writer_open_memory(NULL), "config is NULL");
    EXPECT_NULL(en_writer_open_callback(cfg, NULL, NULL, NULL), "write callback is NULL");
    EXPECT_NULL(en_writer_open_callback(NULL, failing_write, NULL, NULL), "config is NULL");
    {
        /* Settings that only fail together: checked when the writer opens. */
        EnConfig *odd = en_config_new(63, 47, 25, 1);
        CHECK(odd != NULL);
        EXPECT(en_config_set(odd, "odd_size", "error"), EN_OK, NULL);
        EXPECT_NULL(en_writer_open_memory(odd), "even");
        en_config_free(odd);
        /* AVI needs to seek: not into a stream. */
        EnConfig *avi = config();
        EXPECT(en_config_set(avi, "format", "avi"), EN_OK, NULL);
        size_t n = 0;
        EXPECT_NULL(en_writer_open_callback(avi, failing_write, NULL, &n), "seekable");
        en_config_free(avi);
    }

    /* ---- en_writer_push / en_writer_push_at on a constant-rate writer ---- */
    EnWriter *w = en_writer_open_memory(cfg);
    CHECK(w != NULL);
    EXPECT(en_writer_push(NULL, pixels, W * 3), EN_ERR_INVALID_ARGUMENT, "writer is NULL");
    EXPECT(en_writer_push(w, NULL, W * 3), EN_ERR_INVALID_ARGUMENT, "pixel data is NULL");
    EXPECT(en_writer_push(w, pixels, 0), EN_ERR_FRAME, "stride 0 bytes is less than a row");
    EXPECT(en_writer_push(w, pixels, W * 3 - 1), EN_ERR_FRAME, "less than a row");
    EXPECT(en_writer_push(w, pixels, (size_t)-1), EN_ERR_FRAME, "stride");
    EXPECT(en_writer_push_at(w, pixels, W * 3, 0), EN_ERR_FRAME, "constant frame rate");
    EXPECT(en_writer_push((EnWriter *)cfg, pixels, W * 3), EN_ERR_INVALID_ARGUMENT,
           "not an open writer"); /* a config is not a writer */
    EXPECT(en_writer_push(w, pixels, W * 3), EN_OK, NULL); /* still usable */
    EXPECT(en_writer_push(w, pixels + 1, W * 3 + 7), EN_OK, NULL);
    /* A summary whose size is not set: an error, but the writer is finished and freed. */
    memset(&s, 0, sizeof s);
    EXPECT(en_writer_finish(w, &s), EN_ERR_INVALID_ARGUMENT, "sizeof(EnSummary)");
    CHECK(s.frames == 0);
    /* Use after finish: the handle is gone, whatever else was opened since. */
    EnWriter *other = en_writer_open_memory(cfg);
    CHECK(other != NULL && other != w);
    EXPECT(en_writer_push(w, pixels, W * 3), EN_ERR_INVALID_ARGUMENT, "already freed");
    EXPECT(en_writer_push_at(w, pixels, W * 3, 1), EN_ERR_INVALID_ARGUMENT, "already freed");
    EXPECT(en_writer_finish(w, NULL), EN_ERR_INVALID_ARGUMENT, "already freed");
    EXPECT(en_writer_discard(w), EN_ERR_INVALID_ARGUMENT, "already freed");
    uint8_t *data = (uint8_t *)1;
    size_t len = 99;
    EXPECT(en_writer_finish_memory(w, &data, &len, NULL), EN_ERR_INVALID_ARGUMENT,
           "already freed");
    CHECK(data == NULL && len == 0);
    EXPECT(en_writer_discard(NULL), EN_ERR_INVALID_ARGUMENT, "writer is NULL");
    EXPECT(en_writer_finish(NULL, NULL), EN_ERR_INVALID_ARGUMENT, "writer is NULL");
    /* finish_memory with NULL out-pointers: finished, bytes dropped, freed. */
    EXPECT(en_writer_push(other, pixels, W * 3), EN_OK, NULL);
    EXPECT(en_writer_finish_memory(other, NULL, NULL, NULL), EN_ERR_INVALID_ARGUMENT,
           "NULL");
    EXPECT(en_writer_discard(other), EN_ERR_INVALID_ARGUMENT, "already freed");

    /* ---- en_writer_push_audio / en_writer_push_audio_planar ---- */
    {
        static int16_t samples[2 * 480];
        EnConfig *acfg = config();
        EXPECT(en_config_set(acfg, "sample_rate", "48000"), EN_OK, NULL);
        EXPECT(en_config_set(acfg, "sample_rate", "lots"), EN_ERR_CONFIG, "sample_rate");
        EXPECT(en_config_set(acfg, "channels", "2"), EN_OK, NULL);
        EXPECT(en_config_set(acfg, "metadata", "no equals sign"), EN_ERR_CONFIG, "KEY=VALUE");
        EXPECT(en_config_set(acfg, "metadata", "title=Bad arguments"), EN_OK, NULL);
        EXPECT(en_config_set(acfg, "audio_codec", "vorbis"), EN_ERR_CONFIG, "audio_codec");
        EXPECT(en_config_set(acfg, "format", "mkv"), EN_OK, NULL);
        EnWriter *a = en_writer_open_memory(acfg);
        CHECK(a != NULL);
        EXPECT(en_writer_push_audio(NULL, samples, 480, EN_SAMPLE_I16, 2),
               EN_ERR_INVALID_ARGUMENT, "writer is NULL");
        EXPECT(en_writer_push_audio(a, NULL, 480, EN_SAMPLE_I16, 2), EN_ERR_INVALID_ARGUMENT,
               "samples are NULL");
        EXPECT(en_writer_push_audio(a, samples, 480, (EnSampleFormat)7, 2),
               EN_ERR_INVALID_ARGUMENT, "not an EnSampleFormat");
        EXPECT(en_writer_push_audio(a, samples, 480, (EnSampleFormat)-1, 2),
               EN_ERR_INVALID_ARGUMENT, "EN_SAMPLE_I16 (1)");
        EXPECT(en_writer_push_audio(a, samples, 480, EN_SAMPLE_I16, 0), EN_ERR_INVALID_ARGUMENT,
               "0 audio channels");
        EXPECT(en_writer_push_audio(a, samples, 480, EN_SAMPLE_I16, 70000),
               EN_ERR_INVALID_ARGUMENT, "70000 audio channels");
        EXPECT(en_writer_push_audio(a, samples, (size_t)-1, EN_SAMPLE_I16, 2),
               EN_ERR_INVALID_ARGUMENT, "does not fit in memory");
        EXPECT(en_writer_push_audio(a, samples, (size_t)-1 / 4, EN_SAMPLE_F64, 1),
               EN_ERR_INVALID_ARGUMENT, "does not fit in memory");
        EXPECT(en_writer_push_audio(a, samples, 480, EN_SAMPLE_I16, 1), EN_ERR_FRAME,
               "the soundtrack has 2");
        EXPECT(en_writer_push_audio_planar(NULL, samples, 480, EN_SAMPLE_I16, 2),
               EN_ERR_INVALID_ARGUMENT, "writer is NULL");
        EXPECT(en_writer_push_audio_planar(a, NULL, 480, EN_SAMPLE_I16, 2),
               EN_ERR_INVALID_ARGUMENT, "samples are NULL");
        EXPECT(en_writer_push_audio_planar(a, samples, 480, (EnSampleFormat)4, 2),
               EN_ERR_INVALID_ARGUMENT, "not an EnSampleFormat");
        EXPECT(en_writer_push_audio_planar(a, samples, (size_t)-1 / 2, EN_SAMPLE_F32, 2),
               EN_ERR_INVALID_ARGUMENT, "does not fit in memory");
        {
            float nan[2] = {0.0f, 0.0f};
            nan[1] = nan[1] / nan[0]; /* NaN */
            EXPECT(en_writer_push_audio(a, nan, 1, EN_SAMPLE_F32, 2), EN_ERR_FRAME,
                   "not a finite number");
        }
        EXPECT(en_writer_push_audio((EnWriter *)acfg, samples, 480, EN_SAMPLE_I16, 2),
               EN_ERR_INVALID_ARGUMENT, "not an open writer");
        /* Still usable after every refusal; 0 samples is nothing to push. */
        EXPECT(en_writer_push_audio(a, samples, 0, EN_SAMPLE_I16, 2), EN_OK, NULL);
        EXPECT(en_writer_push_audio(a, samples, 480, EN_SAMPLE_I16, 2), EN_OK, NULL);
        EXPECT(en_writer_push_audio_planar(a, samples, 480, EN_SAMPLE_I16, 2), EN_OK, NULL);
        EXPECT(en_writer_push(a, pixels, W * 3), EN_OK, NULL);
        s.size = sizeof s;
        EXPECT(en_writer_finish(a, &s), EN_OK, NULL);
        CHECK(s.has_audio == 1 && s.audio_channels == 2 && s.audio_sample_rate == 48000);
        CHECK(strcmp(s.audio_codec, "aac") == 0 && s.audio_copied == 0);
        EXPECT(en_writer_push_audio(a, samples, 480, EN_SAMPLE_I16, 2), EN_ERR_INVALID_ARGUMENT,
               "already freed");
        EXPECT(en_writer_push_audio_planar(a, samples, 480, EN_SAMPLE_I16, 2),
               EN_ERR_INVALID_ARGUMENT, "already freed");
        /* A writer without a soundtrack of pushed samples. */
        EnWriter *silent = en_writer_open_memory(cfg);
        CHECK(silent != NULL);
        EXPECT(en_writer_push_audio(silent, samples, 480, EN_SAMPLE_I16, 2), EN_ERR_FRAME,
               "sample_rate");
        s.size = sizeof s;
        EXPECT(en_writer_push(silent, pixels, W * 3), EN_OK, NULL);
        EXPECT(en_writer_finish(silent, &s), EN_OK, NULL);
        CHECK(s.has_audio == 0 && s.audio_samples == 0 && s.audio_codec[0] == '\0');
        /* An audio file that does not exist: refused when the writer opens. */
        EXPECT(en_config_set(acfg, "audio", "/nonexistent-dir/tone.wav"), EN_OK, NULL);
        EXPECT_NULL(en_writer_open_memory(acfg), "tone.wav");
        /* Opus cannot go into AVI: refused before anything is written. */
        EXPECT(en_config_set(acfg, "audio", ""), EN_OK, NULL);
        EXPECT(en_config_set(acfg, "sample_rate", "48000"), EN_OK, NULL);
        EXPECT(en_config_set(acfg, "format", "avi"), EN_OK, NULL);
        EXPECT(en_config_set(acfg, "audio_codec", "libopus"), EN_OK, NULL);
        snprintf(path, sizeof path, "%s/bad_args_opus.avi", dir);
        EXPECT_NULL(en_writer_open(acfg, path), "libopus");
        CHECK(fopen(path, "rb") == NULL);
        en_config_free(acfg);
    }

    /* ---- a filter graph FFmpeg refuses: no writer, and FFmpeg's reason ---- */
    EnConfig *fcfg = config();
    EXPECT(en_config_set(fcfg, "filter", "scale=nonsense"), EN_OK, NULL);
    EXPECT_NULL(en_writer_open_memory(fcfg), "Invalid size 'nonsense'");
    en_config_free(fcfg);

    /* ---- explicit timestamps ---- */
    EnConfig *vfr = config();
    EXPECT(en_config_set(vfr, "time_base", "1/1000"), EN_OK, NULL);
    EXPECT(en_config_set(vfr, "time_base", "-1/1000"), EN_ERR_CONFIG, "time_base");
    EnWriter *v = en_writer_open_memory(vfr);
    en_config_free(vfr);
    CHECK(v != NULL);
    EXPECT(en_writer_push(v, pixels, W * 3), EN_ERR_FRAME, "push_at");
    EXPECT(en_writer_push_at(v, pixels, W * 3, -1), EN_ERR_FRAME, "negative");
    EXPECT(en_writer_push_at(v, pixels, W * 3, 0), EN_OK, NULL);
    EXPECT(en_writer_push_at(v, pixels, W * 3, 100), EN_OK, NULL);
    EXPECT(en_writer_push_at(v, pixels, W * 3, 100), EN_ERR_FRAME, "strictly increase");
    EXPECT(en_writer_push_at(v, pixels, W * 3, 50), EN_ERR_FRAME, "not after");
    EXPECT(en_writer_push_at(v, pixels, 3, 200), EN_ERR_FRAME, "less than a row");
    EXPECT(en_writer_push_at(v, pixels, W * 3, 200), EN_OK, NULL);
    s.size = sizeof s;
    data = NULL;
    EXPECT(en_writer_finish_memory(v, &data, &len, &s), EN_OK, NULL);
    CHECK(s.frames == 3 && s.width == W && s.height == H && data != NULL && len == s.bytes);
    CHECK(len > 8 && memcmp(data + 4, "ftyp", 4) == 0);
    CHECK(strcmp(s.codec, "h264") == 0 && strcmp(s.container, "mp4") == 0);

    /* ---- en_bytes_free ---- */
    en_bytes_free(NULL, 0); /* ignored */
    en_bytes_free(data, len + 1); /* wrong length: nothing freed */
    message_has("en_bytes_free(wrong length)", __LINE__, "not");
    en_bytes_free(pixels, 10); /* not from the library */
    message_has("en_bytes_free(foreign pointer)", __LINE__, "not a video");
    en_bytes_free(data, len);
    en_bytes_free(data, len); /* twice */
    message_has("en_bytes_free(twice)", __LINE__, "already freed");

    /* ---- planar YUV: the stride must be the width ---- */
    EnConfig *yuv = config();
    EXPECT(en_config_set(yuv, "in_pix_fmt", "yuv420p"), EN_OK, NULL);
    EnWriter *y = en_writer_open_memory(yuv);
    en_config_free(yuv);
    CHECK(y != NULL);
    EXPECT(en_writer_push(y, pixels, W + 16), EN_ERR_FRAME, "stride must be the width");
    EXPECT(en_writer_push(y, pixels, W), EN_OK, NULL);
    s.size = sizeof s;
    EXPECT(en_writer_finish(y, &s), EN_OK, NULL);
    CHECK(s.frames == 1);

    /* ---- finish_memory on a file writer: finished into the file, an error all the same ---- */
    snprintf(path, sizeof path, "%s/bad_args_file.mp4", dir);
    EnWriter *f = en_writer_open(cfg, path);
    CHECK(f != NULL);
    EXPECT(en_writer_push(f, pixels, W * 3), EN_OK, NULL);
    data = (uint8_t *)1;
    EXPECT(en_writer_finish_memory(f, &data, &len, NULL), EN_ERR_INVALID_ARGUMENT,
           "not opened with en_writer_open_memory");
    CHECK(data == NULL && len == 0);
    FILE *check = fopen(path, "rb");
    CHECK(check != NULL);
    if (check)
        fclose(check);

    /* ---- discard: no file is left ---- */
    snprintf(path, sizeof path, "%s/bad_args_discarded.mp4", dir);
    EnWriter *d = en_writer_open(cfg, path);
    CHECK(d != NULL);
    EXPECT(en_writer_push(d, pixels, W * 3), EN_OK, NULL);
    EXPECT(en_writer_discard(d), EN_OK, NULL);
    CHECK(fopen(path, "rb") == NULL);

    /* ---- a full disk: its own status, EN_ERR_NO_SPACE, as Python's OSError(ENOSPC) ---- */
    if (fopen("/dev/full", "wb") != NULL) {
        EnConfig *full_cfg = config();
        EXPECT(en_config_set(full_cfg, "format", "mkv"), EN_OK, NULL);
        EnWriter *full = en_writer_open(full_cfg, "/dev/full");
        en_config_free(full_cfg);
        int full_rc = EN_OK;
        checks++;
        if (!full) {
            fprintf(stderr, "line %d: en_writer_open(/dev/full) failed at once: %s\n", __LINE__,
                    en_last_error());
            failures++;
        } else {
            for (int i = 0; i < 30 && full_rc == EN_OK; i++)
                full_rc = en_writer_push(full, pixels, W * 3);
            if (full_rc == EN_OK) {
                s.size = sizeof s;
                full_rc = en_writer_finish(full, &s);
            } else {
                en_writer_discard(full);
            }
            message_has("en_writer_push/finish(/dev/full)", __LINE__, "No space left");
        }
        if (full && full_rc != EN_ERR_NO_SPACE) {
            fprintf(stderr, "line %d: /dev/full gave %d, expected EN_ERR_NO_SPACE\n", __LINE__, full_rc);
            failures++;
        }
    } else {
        printf("SKIPPED the full-disk check: no /dev/full here\n");
    }

    /* ---- a write callback that fails: EN_ERR_IO with the callback's code ---- */
    size_t written = 0;
    EnWriter *c = en_writer_open_callback(cfg, failing_write, NULL, &written);
    CHECK(c != NULL);
    int rc = EN_OK;
    for (int i = 0; i < 50 && rc == EN_OK; i++)
        rc = en_writer_push(c, pixels, W * 3);
    s.size = sizeof s;
    int finish_rc = en_writer_finish(c, &s);
    CHECK(finish_rc == EN_ERR_IO);
    message_has("en_writer_finish(failing write callback)", __LINE__, "returned -5");
    CHECK(rc == EN_OK || rc == EN_ERR_IO);

    en_config_free(cfg);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
