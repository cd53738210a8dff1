/*
 * audio.c: soundtracks through the C API. Writes, into DIR:
 *
 *   pushed.mkv   25 frames at 25 fps and one second of a 440 Hz stereo sine pushed with
 *                en_writer_push_audio (int16_t, interleaved, in pushes of odd sizes between the
 *                frames), stored as pcm_s16le, tagged title=Sine from C; pushed.s16 holds the
 *                exact samples pushed, for the script to compare with what FFmpeg decodes.
 *   planar.mkv   10 frames and 0.4 s of mono and stereo float samples pushed planar with
 *                en_writer_push_audio_planar, stored as pcm_f32le; planar.f32 holds them
 *                interleaved, as FFmpeg decodes them.
 *   file.mkv     (only when WAV is given) 25 frames with the soundtrack read from the file
 *                WAV through the `audio` setting (a pcm_s16le WAV is copied as it is).
 *
 * Checks each EnSummary's audio fields. Exits 0 when every check holds.
 *
 *   cc audio.c -o audio $(pkg-config --cflags --libs encode_native) -lm
 *   ./audio DIR [WAV]
 */
#include <encode_native.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { W = 64, H = 48, RATE = 48000 };
static const double PI = 3.14159265358979323846;

static int failures;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "line %d: %s does not hold (%s)\n", __LINE__, #cond,              \
                    en_last_error());                                                          \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* Sets a setting or exits. */
static void set(EnConfig *cfg, const char *key, const char *value) {
    if (en_config_set(cfg, key, value) != EN_OK) {
        fprintf(stderr, "en_config_set(%s, %s): %s\n", key, value, en_last_error());
        exit(2);
    }
}

static EnConfig *config(void) {
    EnConfig *cfg = en_config_new(W, H, 25, 1);
    if (!cfg) {
        fprintf(stderr, "en_config_new: %s\n", en_last_error());
        exit(2);
    }
    set(cfg, "preset", "ultrafast");
    return cfg;
}

static EnWriter *open_or_exit(const EnConfig *cfg, const char *path) {
    EnWriter *w = en_writer_open(cfg, path);
    if (!w) {
        fprintf(stderr, "en_writer_open(%s): %s\n", path, en_last_error());
        exit(2);
    }
    return w;
}

static void save(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

static uint8_t pixels[W * H * 3];

/* 25 frames, one second of stereo int16_t sine pushed interleaved in odd-sized pieces. */
static void pushed(const char *dir) {
    static int16_t sine[RATE * 2];
    char path[4096];
    for (int i = 0; i < RATE; i++) {
        double v = sin(2 * PI * 440.0 * i / RATE);
        sine[2 * i] = (int16_t)(v * 20000);
        sine[2 * i + 1] = (int16_t)(v * -12000);
    }
    EnConfig *cfg = config();
    set(cfg, "sample_rate", "48000");
    set(cfg, "channels", "2");
    set(cfg, "audio_codec", "pcm_s16le");
    set(cfg, "metadata", "title=Sine from C");
    set(cfg, "metadata", "s:a:language=eng");
    snprintf(path, sizeof path, "%s/pushed.mkv", dir);
    EnWriter *w = open_or_exit(cfg, path);
    en_config_free(cfg);
    size_t at = 0;
    const size_t pieces[] = {997, 1, 2048, 441};
    for (int f = 0, k = 0; f < 25; f++) {
        memset(pixels, 10 * f, sizeof pixels);
        CHECK(en_writer_push(w, pixels, W * 3) == EN_OK);
        size_t goal = (size_t)(f + 1) * RATE / 25;
        while (at < goal) {
            size_t n = pieces[k++ % 4];
            if (n > goal - at)
                n = goal - at;
            CHECK(en_writer_push_audio(w, sine + 2 * at, n, EN_SAMPLE_I16, 2) == EN_OK);
            at += n;
        }
    }
    EnSummary s;
    s.size = sizeof s;
    CHECK(en_writer_finish(w, &s) == EN_OK);
    CHECK(s.frames == 25 && s.duration == 1.0);
    CHECK(s.has_audio == 1);
    CHECK(s.audio_sample_rate == RATE && s.audio_channels == 2);
    CHECK(s.audio_samples == RATE && s.audio_duration == 1.0);
    CHECK(s.audio_copied == 0 && strcmp(s.audio_codec, "pcm_s16le") == 0);
    CHECK(strcmp(s.container, "mkv") == 0 && s.frames_cut == 0);
    snprintf(path, sizeof path, "%s/pushed.s16", dir);
    save(path, sine, sizeof sine);
    printf("pushed.mkv: %llu frames, %s %u Hz %u ch, %llu samples, %.3f s\n",
           (unsigned long long)s.frames, s.audio_codec, s.audio_sample_rate, s.audio_channels,
           (unsigned long long)s.audio_samples, s.audio_duration);
}

/* 10 frames and 0.4 s (19200 samples) of stereo floats, planar: left a ramp, right a sine. */
static void planar(const char *dir) {
    enum { N = RATE * 2 / 5 };
    static float planes[2 * N], interleaved[2 * N];
    char path[4096];
    for (int i = 0; i < N; i++) {
        planes[i] = (float)i / N - 0.5f;
        planes[N + i] = (float)(0.25 * sin(2 * PI * 1000.0 * i / RATE));
        interleaved[2 * i] = planes[i];
        interleaved[2 * i + 1] = planes[N + i];
    }
    EnConfig *cfg = config();
    set(cfg, "sample_rate", "48000");
    set(cfg, "audio_codec", "pcm_f32le"); /* channels: 2 by default */
    snprintf(path, sizeof path, "%s/planar.mkv", dir);
    EnWriter *w = open_or_exit(cfg, path);
    en_config_free(cfg);
    /* All the audio first, then the frames: the order of pushes does not matter. */
    CHECK(en_writer_push_audio_planar(w, planes, N, EN_SAMPLE_F32, 2) == EN_OK);
    for (int f = 0; f < 10; f++)
        CHECK(en_writer_push(w, pixels, W * 3) == EN_OK);
    EnSummary s;
    s.size = sizeof s;
    CHECK(en_writer_finish(w, &s) == EN_OK);
    CHECK(s.frames == 10 && s.has_audio == 1 && s.audio_channels == 2);
    CHECK(s.audio_samples == N && strcmp(s.audio_codec, "pcm_f32le") == 0);
    snprintf(path, sizeof path, "%s/planar.f32", dir);
    save(path, interleaved, sizeof interleaved);
    printf("planar.mkv: %llu frames, %s, %llu samples\n", (unsigned long long)s.frames,
           s.audio_codec, (unsigned long long)s.audio_samples);
}

/* 25 frames with the soundtrack of the file `wav` (the `audio` setting). */
static void from_file(const char *dir, const char *wav) {
    char path[4096];
    EnConfig *cfg = config();
    set(cfg, "audio", wav);
    set(cfg, "metadata", "title=Tone from a file");
    snprintf(path, sizeof path, "%s/file.mkv", dir);
    EnWriter *w = open_or_exit(cfg, path);
    en_config_free(cfg);
    for (int f = 0; f < 25; f++)
        CHECK(en_writer_push(w, pixels, W * 3) == EN_OK);
    /* A file soundtrack takes no pushed samples. */
    int16_t two[4] = {0};
    CHECK(en_writer_push_audio(w, two, 2, EN_SAMPLE_I16, 2) == EN_ERR_FRAME);
    EnSummary s;
    s.size = sizeof s;
    CHECK(en_writer_finish(w, &s) == EN_OK);
    CHECK(s.frames == 25 && s.has_audio == 1 && s.audio_copied == 1);
    CHECK(strcmp(s.audio_codec, "pcm_s16le") == 0 && s.audio_sample_rate == RATE);
    CHECK(s.audio_duration > 0.99 && s.audio_duration < 1.01);
    printf("file.mkv: %llu frames, %s %s, %.3f s\n", (unsigned long long)s.frames,
           s.audio_codec, s.audio_copied ? "copied" : "encoded", s.audio_duration);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    pushed(dir);
    planar(dir);
    if (argc > 2)
        from_file(dir, argv[2]);
    printf("%d failed\n", failures);
    return failures ? 1 : 0;
}
