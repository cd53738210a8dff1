/*
 * delivery.c: the output path decides the delivery, through the C API too, and an outside
 * decoder (ffprobe) reads what was delivered:
 *
 *   - an HLS ladder (renditions=240p,120p, segment_duration=1, 45 frames of 320x240): both
 *     variant playlists exist and each decodes to 45 frames of its size; the master playlist
 *     lists both RESOLUTIONs and a BANDWIDTH;
 *   - a manifest that exists is refused without overwrite (the message says "overwrite", the
 *     file is left as it was) and replaced with overwrite=true;
 *   - DASH (index.mpd) decodes to 45 frames;
 *   - an RTMP push to an `ffmpeg -listen 1` listener on 127.0.0.1 (a child process) delivers
 *     every frame: its recording decodes to 45 frames once the listener has exited;
 *   - a port nobody listens on fails within 3 s ("cannot connect", the system's cause), and a
 *     server that accepts but never answers within connect_timeout (1 s) too;
 *   - a setting for another destination (renditions on a.mp4) is refused naming it.
 *
 * Every wait is bounded and every child reaped. Needs ffmpeg and ffprobe on the PATH, and
 * Linux (/proc/net/tcp says when the listener is ready). Exits 0 when every check holds.
 *
 *   ./delivery DIR          (DIR: a writable, empty directory)
 */
#define _POSIX_C_SOURCE 200809L
#include <encode_native.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int checks, failures;

/* A condition that must hold; `what` says what was found when it does not. */
#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        checks++;                                                                              \
        if (cond) {                                                                            \
            printf("ok  %s\n", #cond);                                                         \
        } else {                                                                               \
            fprintf(stderr, "line %d: %s does not hold: ", __LINE__, #cond);                  \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fprintf(stderr, "\n");                                                             \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

enum { W = 320, H = 240, FPS = 30, FRAMES = 45 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static void read_text(const char *path, char *buf, size_t size) {
    buf[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static int write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

static EnConfig *config(void) {
    EnConfig *cfg = en_config_new(W, H, FPS, 1);
    if (!cfg || en_config_set(cfg, "preset", "ultrafast") != EN_OK) {
        fprintf(stderr, "delivery: cannot make a config: %s\n", en_last_error());
        exit(2);
    }
    return cfg;
}

static void set(EnConfig *cfg, const char *key, const char *value) {
    if (en_config_set(cfg, key, value) != EN_OK) {
        fprintf(stderr, "delivery: %s=%s refused: %s\n", key, value, en_last_error());
        exit(2);
    }
}

/* Pushes FRAMES moving gradients into `w` and finishes it; EN_OK or the first error. */
static int push_all(EnWriter *w, EnSummary *s) {
    static uint8_t rgb[W * H * 3];
    int rc = EN_OK;
    for (int f = 0; f < FRAMES && rc == EN_OK; f++) {
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                uint8_t *p = rgb + (y * W + x) * 3;
                p[0] = (uint8_t)(x + 4 * f);
                p[1] = (uint8_t)(y * 255 / H);
                p[2] = (uint8_t)(128 + 3 * f);
            }
        rc = en_writer_push(w, rgb, W * 3);
    }
    s->size = sizeof *s;
    int finished = en_writer_finish(w, s);
    return rc != EN_OK ? rc : finished;
}

/* ffprobe's count of decoded frames and their size in `path` (0 frames if it cannot read). */
static void probe(const char *path, long *frames, long *width, long *height) {
    char cmd[8400];
    *frames = *width = *height = 0;
    snprintf(cmd, sizeof cmd,
             "ffprobe -v error -count_frames -select_streams v:0 "
             "-show_entries stream=width,height,nb_read_frames -of csv=p=0 '%s' 2>&1",
             path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    /* The first "width,height,frames" line (HLS repeats the stream under its program). */
    char line[512], said[2048] = "";
    int found = 0;
    while (fgets(line, sizeof line, p)) {
        if (!found && sscanf(line, "%ld,%ld,%ld", width, height, frames) == 3)
            found = 1;
        else if (strlen(said) + strlen(line) < sizeof said)
            strcat(said, line);
    }
    int status = pclose(p);
    if (!found || status != 0)
        fprintf(stderr, "delivery: ffprobe %s (status %d): %s\n", path, status, said);
}

/* A port on 127.0.0.1 nobody used a moment ago: bound as port 0, read back, closed. */
static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0
        || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("delivery: a free port");
        exit(2);
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* Whether something listens on 127.0.0.1:port (Linux: /proc/net/tcp, state 0A). Reading it
 * does not connect, so ffmpeg's single accept is left for the writer. */
static int listening(int port) {
    char want[32], line[512];
    snprintf(want, sizeof want, "0100007F:%04X", port);
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f)
        return 0;
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char local[64], remote[64], state[8];
        if (sscanf(line, " %*s %63s %63s %7s", local, remote, state) == 3)
            found = strcmp(local, want) == 0 && strcmp(state, "0A") == 0;
    }
    fclose(f);
    return found;
}

/* Waits at most `seconds` for the child `pid` to exit; then ends it (SIGTERM, then SIGKILL)
 * and reaps it all the same. Returns its exit status, or -1 when it had to be ended. */
static int reap(pid_t pid, double seconds) {
    double end = now() + seconds;
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0 && errno != EINTR)
            return -1;
        if (now() > end)
            break;
        sleep_ms(50);
    }
    fprintf(stderr, "delivery: child %d still running after %.0f s: ended\n", (int)pid, seconds);
    kill(pid, SIGTERM);
    for (int i = 0; i < 40; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return -1;
        sleep_ms(50);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

/* ---- an HLS ladder: two variant playlists, a master that lists both ---- */
static void hls_ladder(const char *dir) {
    char path[4200], p240[4200], p120[4200], master[8192];
    snprintf(path, sizeof path, "%s/hls/index.m3u8", dir);
    snprintf(p240, sizeof p240, "%s/hls/index_240p.m3u8", dir);
    snprintf(p120, sizeof p120, "%s/hls/index_120p.m3u8", dir);
    EnConfig *cfg = config();
    set(cfg, "renditions", "240p,120p");
    set(cfg, "segment_duration", "1");
    EnWriter *w = en_writer_open(cfg, path);
    en_config_free(cfg);
    CHECK(w != NULL, "en_writer_open(%s): %s", path, en_last_error());
    if (!w)
        return;
    EnSummary s;
    int rc = push_all(w, &s);
    CHECK(rc == EN_OK, "HLS ladder: %d, %s", rc, en_last_error());
    CHECK(s.frames == FRAMES, "HLS ladder: the summary says %llu frames",
          (unsigned long long)s.frames);
    CHECK(s.frames_dropped == 0, "HLS ladder: %llu frames dropped",
          (unsigned long long)s.frames_dropped);
    CHECK(exists(p240), "%s is missing", p240);
    CHECK(exists(p120), "%s is missing", p120);
    /* 1.5 s in segments of 1 s: two segments in each variant playlist. */
    char variant[8192];
    read_text(p240, variant, sizeof variant);
    int segments = 0;
    for (const char *at = variant; (at = strstr(at, "#EXTINF:")) != NULL; at++)
        segments++;
    CHECK(segments == 2 && strstr(variant, "index_240p_00001.m4s") != NULL,
          "index_240p.m3u8 lists %d segments: %s", segments, variant);
    long n, width, height;
    probe(p240, &n, &width, &height);
    CHECK(n == FRAMES && width == 320 && height == 240, "index_240p.m3u8: %ld frames of %ldx%ld",
          n, width, height);
    probe(p120, &n, &width, &height);
    CHECK(n == FRAMES && width == 160 && height == 120, "index_120p.m3u8: %ld frames of %ldx%ld",
          n, width, height);
    read_text(path, master, sizeof master);
    CHECK(strstr(master, "#EXTM3U") && strstr(master, "RESOLUTION=320x240")
              && strstr(master, "RESOLUTION=160x120"),
          "the master playlist lacks a RESOLUTION: %s", master);
    CHECK(strstr(master, "index_240p.m3u8") && strstr(master, "index_120p.m3u8")
              && strstr(master, "BANDWIDTH="),
          "the master playlist lacks a variant or its BANDWIDTH: %s", master);
    printf("hls: index_240p.m3u8 (320x240) and index_120p.m3u8 (160x120), %ld frames each\n", n);
}

/* ---- a manifest that exists: refused without overwrite, replaced with it ---- */
static void existing_manifest(const char *dir) {
    static const char OLD[] = "#EXTM3U\n# an old playlist that must survive\n";
    char sub[4200], path[4300], text[4096];
    snprintf(sub, sizeof sub, "%s/existing", dir);
    snprintf(path, sizeof path, "%s/index.m3u8", sub);
    mkdir(sub, 0777);
    if (write_text(path, OLD)) {
        failures++;
        return;
    }
    EnConfig *cfg = config();
    EnWriter *w = en_writer_open(cfg, path);
    CHECK(w == NULL, "an existing %s was not refused", path);
    if (w)
        en_writer_discard(w);
    CHECK(strstr(en_last_error(), "overwrite") != NULL, "the message: '%s'", en_last_error());
    printf("existing: refused: %s\n", en_last_error());
    read_text(path, text, sizeof text);
    CHECK(strcmp(text, OLD) == 0, "%s was changed: %s", path, text);

    set(cfg, "overwrite", "true");
    w = en_writer_open(cfg, path);
    CHECK(w != NULL, "overwrite=true: %s", en_last_error());
    if (w) {
        EnSummary s;
        int rc = push_all(w, &s);
        CHECK(rc == EN_OK, "overwrite=true: %d, %s", rc, en_last_error());
        long n, width, height;
        probe(path, &n, &width, &height);
        CHECK(n == FRAMES && width == W && height == H,
              "overwrite=true: index.m3u8 holds %ld frames of %ldx%ld", n, width, height);
    }
    en_config_free(cfg);
}

/* ---- DASH ---- */
static void dash(const char *dir) {
    char path[4200];
    snprintf(path, sizeof path, "%s/dash/index.mpd", dir);
    EnConfig *cfg = config();
    set(cfg, "segment_duration", "1");
    EnWriter *w = en_writer_open(cfg, path);
    en_config_free(cfg);
    CHECK(w != NULL, "en_writer_open(%s): %s", path, en_last_error());
    if (!w)
        return;
    EnSummary s;
    int rc = push_all(w, &s);
    CHECK(rc == EN_OK, "DASH: %d, %s", rc, en_last_error());
    long n, width, height;
    probe(path, &n, &width, &height);
    CHECK(n == FRAMES && width == W && height == H, "index.mpd: %ld frames of %ldx%ld", n,
          width, height);
    printf("dash: index.mpd, %ld frames of %ldx%ld\n", n, width, height);
}

/* ---- RTMP: a push to an ffmpeg listener, which records what it receives ---- */
static void rtmp_push(const char *dir) {
    char sub[4200], recording[4300], log[4300], url[128], argv_url[128];
    snprintf(sub, sizeof sub, "%s/rtmp", dir);
    snprintf(recording, sizeof recording, "%s/out.flv", sub);
    snprintf(log, sizeof log, "%s/listener.log", sub);
    mkdir(sub, 0777);
    int port = free_port();
    snprintf(url, sizeof url, "rtmp://127.0.0.1:%d/live/c", port);
    snprintf(argv_url, sizeof argv_url, "%s", url);
    char *args[] = {"ffmpeg", "-v", "error", "-nostdin", "-y", "-listen", "1", "-timeout", "20",
                    "-i", argv_url, "-c", "copy", recording, NULL};
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("delivery: fork");
        failures++;
        return;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int null = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (null >= 0)
            dup2(null, 0);
        execvp(args[0], args);
        _exit(127);
    }
    /* The listener is ready when its socket listens (at most 10 s). */
    double end = now() + 10;
    int ready = 0, status;
    while (!(ready = listening(port)) && now() < end && waitpid(pid, &status, WNOHANG) == 0)
        sleep_ms(20);
    if (!ready) {
        reap(pid, 0);
        char text[2048];
        read_text(log, text, sizeof text);
        CHECK(ready, "the ffmpeg listener is not listening on port %d within 10 s: %s", port,
              text);
        return;
    }
    CHECK(ready, "the listener is ready");

    EnConfig *cfg = config();
    EnWriter *w = en_writer_open(cfg, url);
    en_config_free(cfg);
    CHECK(w != NULL, "en_writer_open(%s): %s", url, en_last_error());
    EnSummary s;
    memset(&s, 0, sizeof s);
    if (w) {
        int rc = push_all(w, &s);
        CHECK(rc == EN_OK, "RTMP push: %d, %s", rc, en_last_error());
        CHECK(s.frames == FRAMES && s.frames_dropped == 0,
              "RTMP push: the summary says %llu frames, %llu dropped",
              (unsigned long long)s.frames, (unsigned long long)s.frames_dropped);
    }
    /* The writer closed the connection: the listener ends its recording and exits. */
    int code = reap(pid, 30);
    char text[2048];
    read_text(log, text, sizeof text);
    CHECK(code == 0, "the ffmpeg listener exited with %d: %s", code, text);
    long n, width, height;
    probe(recording, &n, &width, &height);
    CHECK(n == FRAMES && width == W && height == H, "the recording holds %ld frames of %ldx%ld",
          n, width, height);
    printf("rtmp: %s: the listener recorded %ld frames of %ldx%ld (%llu bytes sent)\n", url, n,
           width, height, (unsigned long long)s.bytes);
}

/* Opens (and, if that succeeds, pushes to and finishes) a writer on `url`; returns the
 * seconds it took to fail, with the message in `message`, or -1 if it did not fail. */
static double failing_push(const char *url, const char *timeout, char *message, size_t size) {
    EnConfig *cfg = config();
    if (timeout)
        set(cfg, "connect_timeout", timeout);
    double start = now();
    EnWriter *w = en_writer_open(cfg, url);
    en_config_free(cfg);
    int failed = w == NULL;
    if (w) {
        EnSummary s;
        failed = push_all(w, &s) != EN_OK;
    }
    double took = now() - start;
    snprintf(message, size, "%s", en_last_error());
    return failed ? took : -1;
}

/* ---- servers that refuse or never answer ---- */
static void unreachable(void) {
    char url[128], message[1024];
    snprintf(url, sizeof url, "rtmp://127.0.0.1:%d/live/none", free_port());
    double took = failing_push(url, NULL, message, sizeof message);
    CHECK(took >= 0 && took < 3, "%s: failed after %.2f s", url, took);
    CHECK(strstr(message, "cannot connect") != NULL, "the message: '%s'", message);
    CHECK(strstr(message, "refused") != NULL, "the message lacks the system's cause: '%s'",
          message);
    printf("unreachable: %.2f s: %s\n", took, message);

    /* A socket that listens but never accepts: the connection is made, the RTMP handshake
     * is never answered. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0
        || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("delivery: a silent server");
        failures++;
        if (fd >= 0)
            close(fd);
        return;
    }
    snprintf(url, sizeof url, "rtmp://127.0.0.1:%d/live/silent", ntohs(a.sin_port));
    took = failing_push(url, "1", message, sizeof message);
    close(fd);
    CHECK(took >= 0.9 && took < 3, "%s: failed after %.2f s", url, took);
    CHECK(strstr(message, "no answer within 1 s (connect_timeout)") != NULL, "the message: '%s'",
          message);
    printf("silent: %.2f s: %s\n", took, message);
}

/* ---- a setting for another destination ---- */
static void wrong_destination(const char *dir) {
    char path[4200], partial[4300];
    snprintf(path, sizeof path, "%s/a.mp4", dir);
    snprintf(partial, sizeof partial, "%s.partial", path);
    EnConfig *cfg = config();
    set(cfg, "renditions", "240p,120p");
    EnWriter *w = en_writer_open(cfg, path);
    en_config_free(cfg);
    CHECK(w == NULL, "renditions on %s was not refused", path);
    if (w)
        en_writer_discard(w);
    CHECK(strstr(en_last_error(), "renditions") != NULL, "the message: '%s'", en_last_error());
    CHECK(!exists(path) && !exists(partial), "%s was written", path);
    printf("wrong destination: %s\n", en_last_error());
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: delivery DIR\n");
        return 2;
    }
    /* A listener gone early must be an error of the write, not a signal that kills us. */
    signal(SIGPIPE, SIG_IGN);
    double start = now();
    hls_ladder(argv[1]);
    existing_manifest(argv[1]);
    dash(argv[1]);
    rtmp_push(argv[1]);
    unreachable();
    wrong_destination(argv[1]);
    printf("%d checks, %d failed (%.1f s)\n", checks, failures, now() - start);
    return failures ? 1 : 0;
}
