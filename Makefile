# Thin wrapper: installs missing dependencies, configures CMake and runs.
BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build demo test test-sanitize fuzz bench install clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The MNIST CNN on the float target, then quantized to 8 bits for the
# pcm-current tiles and run on the simulator (PCM noise, drift, ADC, global
# drift compensation) right after programming, after one hour and after one
# day. The first 1000 test images keep the simulated runs short.
DEMO_DATA = --inputs models/mnist-cnn/data/x_test_uint8.npy --labels models/mnist-cnn/data/y_test.npy --limit 1000
demo: build
	$(BUILD)/aimcc compile models/mnist-cnn/model.onnx -t float -o $(BUILD)/mnist-cnn-float.aimc
	$(BUILD)/aimcc compile models/mnist-cnn/model.onnx -t pcm-current -o $(BUILD)/mnist-cnn-pcm.aimc \
		--calib models/mnist-cnn/data/x_calib_5000_5499_uint8.npy
	@echo "MNIST CNN, float target, first 1000 test images:"
	@$(BUILD)/aimcc eval $(BUILD)/mnist-cnn-float.aimc $(DEMO_DATA)
	@echo "MNIST CNN, pcm-current calibrated on test images 5000-5499, on the simulator, first 1000 test images, 0 s after programming:"
	@$(BUILD)/aimcc eval $(BUILD)/mnist-cnn-pcm.aimc $(DEMO_DATA) --device sim --time 0
	@echo "MNIST CNN, pcm-current on the simulator, first 1000 test images, 1 hour after programming:"
	@$(BUILD)/aimcc eval $(BUILD)/mnist-cnn-pcm.aimc $(DEMO_DATA) --device sim --time 3600
	@echo "MNIST CNN, pcm-current on the simulator, first 1000 test images, 1 day after programming:"
	@$(BUILD)/aimcc eval $(BUILD)/mnist-cnn-pcm.aimc $(DEMO_DATA) --device sim --time 86400

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD) -DAIMCC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ctest --output-on-failure -j $(JOBS)

# Runs each libFuzzer harness for FUZZ_SECONDS, seeded with the shipped models,
# programs, presets and IR dumps. Needs clang and libclang-rt-14-dev.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz: deps
	scripts/install-fuzz-deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DAIMCC_FUZZ=ON -DAIMCC_SANITIZE=ON \
		-DAIMCC_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	scripts/fuzz-seeds $(FUZZ_BUILD)
	for harness in onnx program target ir; do \
		$(FUZZ_BUILD)/fuzz_$$harness -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 \
			-artifact_prefix=$(FUZZ_BUILD)/crash-$$harness- \
			$(FUZZ_BUILD)/corpus-$$harness $(FUZZ_BUILD)/seeds-$$harness || exit 1; \
	done

# Speed against onnxruntime-node (needs node and npm) and accuracy per preset;
# the tables go into docs/BENCHMARKS.md.
bench: build
	bench/run.sh $(BUILD)
	bench/accuracy.sh $(BUILD)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD)
