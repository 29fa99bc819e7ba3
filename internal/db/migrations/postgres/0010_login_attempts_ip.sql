-- Failed sign-ins are also counted per address, across names, to slow
-- password spraying (see authn.Login).
CREATE INDEX login_attempts_ip ON login_attempts(ip, at);
