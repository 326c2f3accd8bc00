package oracle

// Wallets. WALLET=/dir names an Oracle wallet directory that go-ora reads
// when the DSN is parsed: auto-login wallets (cwallet.sso) only, since a
// password-protected ewallet.p12 would need WALLET PASSWORD in the DSN,
// and the DSN holds no secret. Its trusted certificates verify the
// server's; a wallet may also hold a stored credential, which go-ora uses
// when no password is given.
//
// Config.TLS parses the DSN as go-ora will, to learn where it connects,
// but without the password: its errors may quote the URL. go-ora looks a
// wallet's stored credential up when the URL has a user and no password,
// and fails when the wallet has none, so a wallet that only holds trusted
// certificates could never connect. The pre-parse therefore carries
// preparsePassword, which is no secret and goes nowhere else.
const preparsePassword = "preparse"
