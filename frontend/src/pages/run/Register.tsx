// "Register model": turns a succeeded run into a new version of a named model.
import { useState, type FormEvent } from "react";
import { registerModel, type ModelVersion, type Run } from "../../api";
import { Link } from "../../router";
import { ErrorBox, useAction } from "../../ui";

export function RegisterModel({ run }: { run: Run }) {
  const [name, setName] = useState(() => `${run.dataset_name}-${run.algorithm}`.replace(/[^A-Za-z0-9_.-]/g, "-"));
  const { busy, error, run: act } = useAction();
  const [done, setDone] = useState<ModelVersion>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const version = await act(() => registerModel({ name: name.trim(), run_id: run.id }));
    if (version) setDone(version);
  };
  return (
    <form className="form" onSubmit={submit} data-testid="register-form">
      <div className="row">
        <label className="field grow">
          <span>Model name</span>
          <input required data-testid="register-name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <div className="field">
          <span>&nbsp;</span>
          <button className="btn btn-primary" type="submit" disabled={busy || run.state !== "succeeded"} data-testid="register-submit">
            Register model
          </button>
        </div>
      </div>
      <ErrorBox error={error} testId="register-error" />
      {done && (
        <div className="alert alert-ok" data-testid="register-done">
          Registered as{" "}
          <Link to={`/models/${done.model_name}`} testId="registered-model-link">
            {done.model_name} v{done.version}
          </Link>
        </div>
      )}
    </form>
  );
}
