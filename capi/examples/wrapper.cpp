// wrapper.cpp: the C header used from C++. A small RAII wrapper turns statuses into
// exceptions and frees every handle; the frames carry explicit timestamps (push_at, with a
// time base of 1/1000: milliseconds).
//
//   c++ -std=c++17 wrapper.cpp -o wrapper $(pkg-config --cflags --libs encode_native)
//   ./wrapper wrapper.mp4
#include <encode_native.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace en {

struct Error : std::runtime_error {
    int status;
    Error(int status, const std::string &what) : std::runtime_error(what), status(status) {}
};

inline void check(int status, const std::string &what) {
    if (status != EN_OK) throw Error(status, what + ": " + en_last_error());
}

class Config {
  public:
    Config(uint32_t width, uint32_t height, int32_t fps_num, int32_t fps_den)
        : cfg_(en_config_new(width, height, fps_num, fps_den), en_config_free) {
        if (!cfg_) throw Error(EN_ERR_CONFIG, en_last_error());
    }
    Config &set(const std::string &key, const std::string &value) {
        check(en_config_set(cfg_.get(), key.c_str(), value.c_str()), key);
        return *this;
    }
    const EnConfig *get() const { return cfg_.get(); }

  private:
    std::unique_ptr<EnConfig, void (*)(EnConfig *)> cfg_;
};

class Writer {
  public:
    Writer(const Config &config, const std::string &path)
        : w_(en_writer_open(config.get(), path.c_str())) {
        if (!w_) throw Error(EN_ERR_IO, path + ": " + en_last_error());
    }
    Writer(const Writer &) = delete;
    Writer &operator=(const Writer &) = delete;
    // A writer left unfinished (an exception on the way) leaves no file behind.
    ~Writer() {
        if (w_) en_writer_discard(w_);
    }

    void push_at(const std::vector<uint8_t> &pixels, size_t stride, int64_t pts) {
        check(en_writer_push_at(w_, pixels.data(), stride, pts), "push_at");
    }

    EnSummary finish() {
        EnSummary s{};
        s.size = sizeof s;
        EnWriter *w = w_;
        w_ = nullptr;  // en_writer_finish frees it, whatever it returns
        check(en_writer_finish(w, &s), "finish");
        return s;
    }

  private:
    EnWriter *w_;
};

}  // namespace en

int main(int argc, char **argv) {
    const std::string path = argc > 1 ? argv[1] : "wrapper.mp4";
    const uint32_t width = 320, height = 240;
    try {
        en::Config config(width, height, 25, 1);
        config.set("time_base", "1/1000").set("preset", "ultrafast");
        en::Writer writer(config, path);
        std::vector<uint8_t> rgb(width * height * 3);
        for (int i = 0; i < 25; i++) {
            for (size_t k = 0; k < rgb.size(); k += 3) {
                rgb[k] = static_cast<uint8_t>(i * 10);
                rgb[k + 1] = static_cast<uint8_t>(k / (width * 3));
                rgb[k + 2] = 128;
            }
            writer.push_at(rgb, width * 3, i * 40);  // every 40 ms: 25 frames in 1 s
        }
        EnSummary s = writer.finish();
        std::printf("%s: %llu frames, %ux%u, %.3f s (encode-native %s, from C++)\n", path.c_str(),
                    static_cast<unsigned long long>(s.frames), s.width, s.height, s.duration,
                    en_version());
    } catch (const en::Error &e) {
        std::fprintf(stderr, "wrapper: %s (status %d)\n", e.what(), e.status);
        return 1;
    }
    return 0;
}
