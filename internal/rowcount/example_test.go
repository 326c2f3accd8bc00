package rowcount_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"strings"

	"github.com/siftload/siftload/internal/rowcount"
)

func ExampleCounter() {
	in := "id,comment\r\n1,\"two\r\nlines\"\r\n\r\n2,plain\r\n"

	sha := sha256.New()
	c := rowcount.New()
	if _, err := io.Copy(io.MultiWriter(sha, c), strings.NewReader(in)); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d records, %d rows, sha256 %x...\n", c.Records(), c.Rows(true), sha.Sum(nil)[:4])
	// Output: 3 records, 2 rows, sha256 be6e9987...
}
