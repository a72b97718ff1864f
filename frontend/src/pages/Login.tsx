// Login: paste an API token, verified with GET /whoami before it is stored.
import { useState, type FormEvent } from "react";
import { setToken, whoami, type WhoAmI } from "../api";
import { errorText, ErrorBox, Notice } from "../ui";

export function Login({ message, onLogin }: { message?: string; onLogin: (who: WhoAmI) => void }) {
  const [token, setTokenText] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) return setError("Paste an API token first.");
    setBusy(true);
    setError(undefined);
    try {
      const who = await whoami(value);
      setToken(value);
      onLogin(who);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login-wrap">
      <form className="card login" onSubmit={submit} data-testid="login-form">
        <div className="brand big">
          <span className="logo">◆</span> Loom
        </div>
        <p className="muted">
          Sign in with an API token. The admin token is printed when the server first starts and saved in{" "}
          <code>$LOOM_HOME/credentials</code>.
        </p>
        {message && <Notice testId="login-message">{message}</Notice>}
        <label className="field">
          <span>API token</span>
          <input
            type="password"
            autoFocus
            autoComplete="off"
            data-testid="token-input"
            value={token}
            onChange={(e) => setTokenText(e.target.value)}
            placeholder="loom_…"
          />
        </label>
        <ErrorBox error={error} testId="login-error" />
        <button className="btn btn-primary" type="submit" disabled={busy} data-testid="login-submit">
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
    </div>
  );
}
