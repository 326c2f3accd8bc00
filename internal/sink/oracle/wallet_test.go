package oracle

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siftload/siftload/internal/sink"
	"github.com/siftload/siftload/internal/sink/sinktest"
)

// writeAutoLoginWallet writes dir/cwallet.sso, an auto-login Oracle
// wallet that holds the certificates certs (DER) as trusted certificates
// and no credential, in the form go-ora v2.8.24 reads
// (configurations/wallet.go): a header with an AES key that unwraps the
// wallet's password, then a PKCS#12 file whose one safe is encrypted with
// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) under that password, holding
// one certBag per certificate.
func writeAutoLoginWallet(tb testing.TB, dir string, certs ...[]byte) {
	tb.Helper()
	type algID struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	var (
		oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
		oidEncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
		oidCertBag       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
		oidX509Cert      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
		oidPBES2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
		oidPBKDF2        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
		oidHMACSHA256    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
		oidAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	)
	must := func(b []byte, err error) []byte {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	explicit0 := func(inner []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}
	}
	random := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}

	// The safe: one certBag per certificate.
	type safeBag struct {
		ID   asn1.ObjectIdentifier
		Data asn1.RawValue
	}
	var bags []safeBag
	for _, der := range certs {
		certValue := must(asn1.Marshal(der)) // OCTET STRING
		certBag := must(asn1.Marshal(struct {
			ID    asn1.ObjectIdentifier
			Value asn1.RawValue
		}{oidX509Cert, explicit0(certValue)}))
		bags = append(bags, safeBag{ID: oidCertBag, Data: explicit0(certBag)})
	}
	plain := must(asn1.Marshal(bags))

	// The wallet's password, and the safe encrypted under it.
	password := []byte(strings.Repeat("p", 16))
	salt, iv := random(16), random(16)
	const iterations = 1000
	key := must(pbkdf2.Key(sha256.New, string(password), salt, iterations, 32))
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	for range pad {
		plain = append(plain, byte(pad))
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		tb.Fatal(err)
	}
	encrypted := make([]byte, len(plain))
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(encrypted, plain)

	kdfParams := must(asn1.Marshal(struct {
		Salt       []byte
		Iterations int
		KeyLength  int
		Prf        algID
	}{salt, iterations, 32, algID{Algorithm: oidHMACSHA256, Parameters: asn1.NullRawValue}}))
	pbes2Params := must(asn1.Marshal(struct {
		Kdf, Enc algID
	}{
		algID{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdfParams}},
		algID{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: must(asn1.Marshal(iv))}},
	}))
	encData := must(asn1.Marshal(struct {
		Version int
		Info    struct {
			ContentType asn1.ObjectIdentifier
			Algorithm   algID
			Content     asn1.RawValue
		}
	}{Version: 0, Info: struct {
		ContentType asn1.ObjectIdentifier
		Algorithm   algID
		Content     asn1.RawValue
	}{oidData, algID{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: pbes2Params}},
		asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: encrypted}}}))

	type contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}
	authSafe := must(asn1.Marshal([]contentInfo{{oidEncryptedData, explicit0(encData)}}))
	pfx := must(asn1.Marshal(struct {
		Version  int
		AuthSafe contentInfo
	}{3, contentInfo{oidData, explicit0(must(asn1.Marshal(authSafe)))}}))

	// The auto-login header: the password, AES-CBC encrypted under a key
	// stored beside it, with go-ora's fixed IV.
	wrapKey := random(16)
	wblk, err := aes.NewCipher(wrapKey)
	if err != nil {
		tb.Fatal(err)
	}
	wrapped := make([]byte, len(password))
	cipher.NewCBCEncrypter(wblk, []byte{192, 52, 216, 49, 28, 2, 206, 248, 81, 240, 20, 75, 129, 237, 75, 242}).CryptBlocks(wrapped, password)
	var sso []byte
	sso = append(sso, 161, 248, 78, 54)
	sso = binary.BigEndian.AppendUint32(sso, 6)
	sso = binary.BigEndian.AppendUint32(sso, uint32(1+len(wrapKey)+len(wrapped)))
	sso = append(sso, 6)
	sso = append(sso, wrapKey...)
	sso = append(sso, wrapped...)
	sso = append(sso, pfx...)
	if err := os.WriteFile(filepath.Join(dir, "cwallet.sso"), sso, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// TestWalletTrustOnly connects through a wallet that holds only the CA
// that signs the server's certificate, and no credential: the TLS
// handshake must succeed (the password comes from sink.Options), and a
// wallet with another CA must fail the handshake.
func TestWalletTrustOnly(t *testing.T) {
	dir := t.TempDir()
	ca := sinktest.NewCA(t, "wallet CA")
	other := sinktest.NewCA(t, "other CA")
	caFile := ca.WriteCert(t, dir, "ca.crt")
	crt, key := ca.Issue(t, dir, "server", false, "localhost", "127.0.0.1")
	der := func(file string) []byte {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := pem.Decode(b)
		return p.Bytes
	}
	tests := []struct {
		Name    string
		CA      []byte
		WantErr string
	}{
		{Name: "Trusted", CA: der(caFile)},
		{Name: "OtherCA", CA: der(other.WriteCert(t, dir, "other.crt")), WantErr: "certificate signed by unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			wallet := filepath.Join(t.TempDir(), "wallet")
			if err := os.Mkdir(wallet, 0o700); err != nil {
				t.Fatal(err)
			}
			writeAutoLoginWallet(t, wallet, tt.CA)
			port, handshakes := tcpsServer(t, [2]string{crt, key}, caFile, false)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			dsn := fmt.Sprintf("oracle://scott@%s/XE?SSL=enable&WALLET=%s", net.JoinHostPort("127.0.0.1", fmt.Sprint(port)), wallet)
			s, err := Factory{}.Open(ctx, dsn, sink.Options{Password: testPassword})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded against a server that is no Oracle")
			}
			t.Logf("Open error: %v", err)
			if tt.WantErr != "" {
				if !strings.Contains(err.Error(), tt.WantErr) {
					t.Errorf("Open error = %v, want one about %q", err, tt.WantErr)
				}
				return
			}
			select {
			case herr := <-handshakes:
				if herr != nil {
					t.Errorf("handshake failed on the server: %v (client: %v)", herr, err)
				}
			case <-ctx.Done():
				t.Fatalf("no handshake (client: %v)", err)
			}
		})
	}
}
