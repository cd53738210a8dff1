/*
 * threads.c: four writers on four threads at once, each with its own size and length.
 * The writers are opened on the main thread and handed over: a writer may move between
 * threads, as long as one thread at a time uses it.
 *
 *   cc threads.c -o threads $(pkg-config --cflags --libs encode_native) -pthread
 *   ./threads out        (writes out-0.mp4 ... out-3.mp4)
 */
#include <encode_native.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WRITERS = 4 };

struct job {
    int index;
    unsigned width, height, frames;
    char path[4096];
    EnWriter *writer;
    EnSummary summary;
    char error[512]; /* en_last_error() is per thread: copied here to report it */
};

static void *encode(void *arg) {
    struct job *job = arg;
    size_t stride = job->width; /* gray: one byte per pixel */
    uint8_t *gray = malloc(stride * job->height);
    if (!gray) {
        en_writer_discard(job->writer);
        snprintf(job->error, sizeof job->error, "out of memory");
        return NULL;
    }
    for (unsigned i = 0; i < job->frames; i++) {
        /* A bar that moves down the picture, a different grey per writer. */
        memset(gray, 16 + 40 * job->index, stride * job->height);
        unsigned bar = i * (job->height - 8) / job->frames;
        memset(gray + (size_t)bar * stride, 235, stride * 8);
        if (en_writer_push(job->writer, gray, stride) != EN_OK) {
            snprintf(job->error, sizeof job->error, "push: %s", en_last_error());
            break;
        }
    }
    free(gray);
    job->summary.size = sizeof job->summary;
    if (en_writer_finish(job->writer, &job->summary) != EN_OK && !job->error[0])
        snprintf(job->error, sizeof job->error, "finish: %s", en_last_error());
    job->writer = NULL;
    return NULL;
}

int main(int argc, char **argv) {
    const char *prefix = argc > 1 ? argv[1] : "threads";
    struct job jobs[WRITERS];
    pthread_t threads[WRITERS];
    int failed = 0;

    for (int i = 0; i < WRITERS; i++) {
        struct job *job = &jobs[i];
        memset(job, 0, sizeof *job);
        job->index = i;
        job->width = 160 + 32 * i;
        job->height = 120 + 16 * i;
        job->frames = 20 + 5 * i;
        snprintf(job->path, sizeof job->path, "%s-%d.mp4", prefix, i);
        EnConfig *cfg = en_config_new(job->width, job->height, 25, 1);
        if (!cfg || en_config_set(cfg, "in_pix_fmt", "gray") != EN_OK ||
            en_config_set(cfg, "preset", "ultrafast") != EN_OK ||
            !(job->writer = en_writer_open(cfg, job->path))) {
            fprintf(stderr, "threads: %s: %s\n", job->path, en_last_error());
            return 1;
        }
        en_config_free(cfg);
    }
    for (int i = 0; i < WRITERS; i++)
        if (pthread_create(&threads[i], NULL, encode, &jobs[i]) != 0) {
            fprintf(stderr, "threads: cannot start thread %d\n", i);
            return 1;
        }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(threads[i], NULL);
        struct job *job = &jobs[i];
        if (job->error[0]) {
            fprintf(stderr, "threads: %s: %s\n", job->path, job->error);
            failed = 1;
            continue;
        }
        printf("%s: %llu frames, %ux%u, %.3f s\n", job->path,
               (unsigned long long)job->summary.frames, job->summary.width,
               job->summary.height, job->summary.duration);
    }
    return failed;
}
