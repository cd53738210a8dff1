/*
 * replace.c: a failure never replaces an existing file. A writer opened on DIR/old.mp4,
 * which holds other bytes, gets 3 frames and is stopped with en_writer_keep_partial: the old
 * file must be byte for byte as it was and DIR/old.mp4.partial must exist (the test script
 * decodes it with ffprobe: 3 frames). A writer opened on DIR/frozen.mp4 after the script made
 * it immutable (chattr +i, when it could) must be refused with the system's error, and one
 * on DIR/v.mp4 with a leftover DIR/v.mp4.finishing too, which must stay.
 *
 *   ./replace DIR [frozen]
 */
#include <encode_native.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WIDTH = 64, HEIGHT = 48, FRAMES = 3 };
static const char OLD[] = "an old video that must survive";

static int fail(const char *what) {
    fprintf(stderr, "replace: %s: %s\n", what, en_last_error());
    return 1;
}

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

static int holds(const char *path, const char *text) {
    char buf[256] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(text) && memcmp(buf, text, n) == 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: replace DIR [frozen]\n");
        return 2;
    }
    char old[4096], partial[4200], frozen[4096], v[4096], finishing[4200];
    snprintf(old, sizeof old, "%s/old.mp4", argv[1]);
    snprintf(partial, sizeof partial, "%s.partial", old);
    snprintf(frozen, sizeof frozen, "%s/frozen.mp4", argv[1]);
    snprintf(v, sizeof v, "%s/v.mp4", argv[1]);
    snprintf(finishing, sizeof finishing, "%s.finishing", v);
    if (write_file(old, OLD) || write_file(finishing, OLD))
        return 1;

    EnConfig *cfg = en_config_new(WIDTH, HEIGHT, 30, 1);
    if (!cfg || en_config_set(cfg, "preset", "ultrafast") != EN_OK)
        return fail("config");
    EnWriter *w = en_writer_open(cfg, old);
    if (!w)
        return fail("open old.mp4");
    static uint8_t rgb[WIDTH * HEIGHT * 3];
    for (int f = 0; f < FRAMES; f++) {
        memset(rgb, 40 * f, sizeof rgb);
        if (en_writer_push(w, rgb, WIDTH * 3) != EN_OK)
            return fail("push");
    }
    EnSummary s;
    s.size = sizeof s;
    if (en_writer_keep_partial(w, &s) != EN_OK)
        return fail("keep_partial");
    if (s.frames != FRAMES || s.bytes == 0) {
        fprintf(stderr, "replace: kept %llu frames, %llu bytes\n", (unsigned long long)s.frames,
                (unsigned long long)s.bytes);
        return 1;
    }
    if (!holds(old, OLD)) {
        fprintf(stderr, "replace: %s was changed\n", old);
        return 1;
    }
    FILE *p = fopen(partial, "rb");
    if (!p) {
        fprintf(stderr, "replace: %s is missing\n", partial);
        return 1;
    }
    fclose(p);

    /* A leftover .finishing file: refused when the writer opens, and left as it was. */
    if (en_writer_open(cfg, v) != NULL || en_last_error()[0] == '\0'
        || strstr(en_last_error(), "is in the way") == NULL || !holds(finishing, OLD)) {
        fprintf(stderr, "replace: v.mp4 with a leftover .finishing: '%s'\n", en_last_error());
        return 1;
    }

    if (argc > 2 && strcmp(argv[2], "frozen") == 0) {
        /* Immutable: even root cannot open it for writing, so it is refused at once. */
        if (en_writer_open(cfg, frozen) != NULL
            || strstr(en_last_error(), "Operation not permitted") == NULL) {
            fprintf(stderr, "replace: frozen.mp4: '%s'\n", en_last_error());
            return 1;
        }
    }
    en_config_free(cfg);
    printf("replace: kept %llu frames in %s; %s unchanged\n", (unsigned long long)s.frames,
           partial, old);
    return 0;
}
