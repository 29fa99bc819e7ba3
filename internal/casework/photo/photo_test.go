package photo

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
)

// pngOf encodes a w×h picture of one colour: tiny as a file, w×h×4 bytes
// once decoded — the shape of a decompression bomb.
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		copy(m.Pix[i:], []byte{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// grayPNG is a black w×h PNG, 16 bits a pixel when deep.
func grayPNG(t testing.TB, w, h int, deep bool) []byte {
	t.Helper()
	var m image.Image = image.NewGray(image.Rect(0, 0, w, h))
	if deep {
		m = image.NewGray16(image.Rect(0, 0, w, h))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A photo over the pixel limit is refused from its header, naming the
// file field, without a pixel being decoded.
func TestOversizedPhotoRefusedBeforeDecoding(t *testing.T) {
	// 6,000 × 4,001 is just over 24 MP; 4,000 × 3,001 is just over the
	// 12 MP of a 16-bit PNG.
	for name, b := range map[string][]byte{
		"8-bit":  grayPNG(t, 6000, 4001, false),
		"16-bit": grayPNG(t, 4000, 3001, true),
	} {
		before := decodeStats.started.Load()
		_, _, err := Clean(context.Background(), b)
		fs := apperr.As(err).Fields
		if len(fs) != 1 || fs[0].Field != "file" || fs[0].Code != "media.too_many_pixels" {
			t.Fatalf("%s: %v %+v", name, err, fs)
		}
		if n := decodeStats.started.Load() - before; n != 0 {
			t.Fatalf("%s: %d decodes of a refused photo", name, n)
		}
	}
	// A progressive JPEG may have half as many: its decoder keeps every
	// coefficient. (Go encodes baseline JPEGs only: the frame marker is
	// changed, the header reads the same.)
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 4000, 3001)), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(jpg.Bytes()); err != nil {
		t.Fatalf("a 12 MP baseline JPEG: %v", err)
	}
	sof := bytes.Index(jpg.Bytes(), []byte{0xFF, 0xC0})
	prog := bytes.Clone(jpg.Bytes())
	prog[sof+1] = 0xC2
	before := decodeStats.started.Load()
	_, _, err := Clean(context.Background(), prog)
	if !apperr.Is(err, "media.too_many_pixels") || apperr.As(err).Params["max"] != MaxPixels/2 || decodeStats.started.Load() != before {
		t.Fatalf("a 12 MP progressive JPEG: %v %+v", err, apperr.As(err).Params)
	}

	// Within the limits the photo is decoded and stored smaller.
	before = decodeStats.started.Load()
	out, ct, err := Clean(context.Background(), pngOf(t, 3000, 2000))
	if err != nil || ct != "image/png" || decodeStats.started.Load()-before != 1 {
		t.Fatalf("a 6 MP photo: %v %s", err, ct)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(out))
	if err != nil || max(cfg.Width, cfg.Height) > MaxSide || cfg.Width != 1500 {
		t.Fatalf("stored at %d×%d (%v), want 1500×1000", cfg.Width, cfg.Height, err)
	}
}

// Many uploads at once decode at most MaxDecodes photos at a time, and the
// heap stays near what those few need: eight 8 MP photos decoded together
// would take 256 MB.
func TestConcurrentDecodesAreBounded(t *testing.T) {
	big := pngOf(t, 4000, 2000) // 32 MB decoded
	// Collect garbage early, so that the heap shows what is live.
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	var small bytes.Buffer
	jpeg.Encode(&small, image.NewRGBA(image.Rect(0, 0, 640, 480)), nil)
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() { // the heap's high-water mark while the uploads run
		defer close(watched)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	decodeStats.maxInFlight.Store(0)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		b := big
		if i%2 == 1 {
			b = small.Bytes()
		}
		wg.Go(func() {
			if _, _, err := Clean(context.Background(), b); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(done)
	<-watched
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if m := decodeStats.maxInFlight.Load(); m < 1 || m > MaxDecodes {
		t.Fatalf("%d decodes at once, want 1 to %d", m, MaxDecodes)
	}
	grew := int64(peak.Load()) - int64(base)
	t.Logf("heap grew by %d MB at most", grew>>20)
	if grew > 200<<20 {
		t.Fatalf("the heap grew by %d MB: decodes are not bounded", grew>>20)
	}
}

// A request given up while it waits for a decode slot stops waiting.
func TestDecodeWaitEndsWithTheRequest(t *testing.T) {
	for range MaxDecodes {
		decodeSlots <- struct{}{}
	}
	defer func() {
		for range MaxDecodes {
			<-decodeSlots
		}
	}()
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 64, 48)), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Clean(ctx, jpg.Bytes()); err == nil {
		t.Fatal("decoded without a slot")
	}
}
