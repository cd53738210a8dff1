/*
 * callbacks.c: en_writer_open_callback into the caller's own output, a stdio FILE:
 *   PREFIX-seekable.mp4  write and seek callbacks: a normal MP4
 *   PREFIX-stream.mp4    a write callback only: a fragmented MP4, written strictly in order
 * and checks that the callbacks run on the writer's encoder thread, not the caller's.
 *
 *   cc callbacks.c -o callbacks $(pkg-config --cflags --libs encode_native) -pthread
 *   ./callbacks PREFIX
 */
#define _POSIX_C_SOURCE 200809L
#include <encode_native.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { W = 176, H = 144, FRAMES = 40 };

struct output {
    FILE *file;
    pthread_t caller;
    long long position; /* where the next write lands, to check a stream never seeks */
    int writes, seeks, on_caller_thread;
};

static int write_fn(void *user_data, const uint8_t *data, size_t len) {
    struct output *out = user_data;
    out->writes++;
    out->on_caller_thread |= pthread_equal(pthread_self(), out->caller);
    if (fwrite(data, 1, len, out->file) != len)
        return -1;
    out->position += (long long)len;
    return 0;
}

static int64_t seek_fn(void *user_data, int64_t offset, int whence) {
    struct output *out = user_data;
    out->seeks++;
    out->on_caller_thread |= pthread_equal(pthread_self(), out->caller);
    int w = whence == EN_SEEK_SET ? SEEK_SET : whence == EN_SEEK_CUR ? SEEK_CUR : SEEK_END;
    if (fseeko(out->file, (off_t)offset, w) != 0)
        return -1;
    out->position = (long long)ftello(out->file);
    return out->position;
}

static int encode(const char *path, int seekable) {
    struct output out;
    memset(&out, 0, sizeof out);
    out.caller = pthread_self();
    out.file = fopen(path, "w+b");
    if (!out.file) {
        perror(path);
        return 1;
    }
    EnConfig *cfg = en_config_new(W, H, 20, 1);
    /* A stream gets a fragment every half second (one a second unless set). */
    if (!cfg || en_config_set(cfg, "preset", "ultrafast") != EN_OK ||
        (!seekable && en_config_set(cfg, "fragmented", "0.5") != EN_OK)) {
        fprintf(stderr, "callbacks: %s\n", en_last_error());
        return 1;
    }
    EnWriter *w = en_writer_open_callback(cfg, write_fn, seekable ? seek_fn : NULL, &out);
    en_config_free(cfg);
    if (!w) {
        fprintf(stderr, "callbacks: %s\n", en_last_error());
        return 1;
    }
    static uint8_t rgb[W * H * 3];
    for (int i = 0; i < FRAMES; i++) {
        for (int k = 0; k < W * H * 3; k++)
            rgb[k] = (uint8_t)(k % (W * 3) + i * 5);
        if (en_writer_push(w, rgb, W * 3) != EN_OK) {
            fprintf(stderr, "callbacks: %s\n", en_last_error());
            break;
        }
    }
    EnSummary s;
    s.size = sizeof s;
    int rc = en_writer_finish(w, &s);
    fclose(out.file);
    if (rc != EN_OK) {
        fprintf(stderr, "callbacks: %s\n", en_last_error());
        return 1;
    }
    printf("%s: %llu frames, %.3f s, %llu bytes in %d writes and %d seeks\n", path,
           (unsigned long long)s.frames, s.duration, (unsigned long long)s.bytes, out.writes,
           out.seeks);
    int failed = 0;
    if (out.on_caller_thread) {
        fprintf(stderr, "callbacks: a callback ran on the pushing thread\n");
        failed = 1;
    }
    if (!seekable && out.seeks != 0) {
        fprintf(stderr, "callbacks: the stream was asked to seek\n");
        failed = 1;
    }
    if (seekable && out.seeks == 0) {
        fprintf(stderr, "callbacks: a normal MP4 was written without seeking back\n");
        failed = 1;
    }
    if (s.frames != FRAMES || (long long)s.bytes <= 0) {
        fprintf(stderr, "callbacks: the summary says %llu frames\n",
                (unsigned long long)s.frames);
        failed = 1;
    }
    return failed;
}

int main(int argc, char **argv) {
    const char *prefix = argc > 1 ? argv[1] : "callbacks";
    char path[4096];
    int failed = 0;
    snprintf(path, sizeof path, "%s-seekable.mp4", prefix);
    failed |= encode(path, 1);
    snprintf(path, sizeof path, "%s-stream.mp4", prefix);
    failed |= encode(path, 0);
    return failed;
}
