import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { ErrorNotice, FieldMessage, OkNotice } from '../../components/Notice.tsx';

interface Policy {
  dcrEnabled: boolean;
  cimdMode: 'any' | 'listed';
  hostRules: { host: string; rule: 'allow' | 'block' }[];
}

/** The organization's rules for applications nobody pre-registered: DCR on/off, CIMD hosts. */
export function OAuthPolicyPanel() {
  const { data, error, reload } = useApi<{ policy: Policy }>('/api/v1/oauth-policy', {
    keepDataOnError: true,
  });
  const [policyError, setPolicyError] = useState<unknown>();
  const [ruleError, setRuleError] = useState<unknown>();
  const [saved, setSaved] = useState(false);

  async function savePolicy(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPolicyError(undefined);
    setSaved(false);
    try {
      await apiSend('PUT', '/api/v1/oauth-policy', {
        dcrEnabled: form.get('dcrEnabled') === 'on',
        cimdMode: String(form.get('cimdMode')),
      });
      setSaved(true);
      reload();
    } catch (err) {
      setPolicyError(err);
    }
  }

  async function addRule(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setRuleError(undefined);
    try {
      await apiSend('POST', '/api/v1/oauth-policy/cimd-hosts', {
        host: String(form.get('host') ?? ''),
        rule: String(form.get('rule')),
      });
      formElement.reset();
      reload();
    } catch (err) {
      setRuleError(err);
    }
  }

  async function removeRule(host: string) {
    setRuleError(undefined);
    try {
      await apiSend('DELETE', `/api/v1/oauth-policy/cimd-hosts/${encodeURIComponent(host)}`);
      reload();
    } catch (err) {
      setRuleError(err);
    }
  }

  const policy = data?.policy;
  return (
    <section className="card" aria-labelledby="policy-heading">
      <h2 id="policy-heading">Applications that register themselves</h2>
      <ErrorNotice error={error} />
      {policy && (
        // Keyed by the stored values so the form's defaults follow a reload.
        <form key={`${policy.dcrEnabled}-${policy.cimdMode}`} onSubmit={(event) => void savePolicy(event)}>
          <ErrorNotice error={policyError} />
          {saved && <OkNotice>Policy saved.</OkNotice>}
          <label className="check">
            <input type="checkbox" id="policy-dcr" name="dcrEnabled" defaultChecked={policy.dcrEnabled} />
            <span>
              Allow dynamic client registration (public clients with PKCE: MCP Inspector, clients on the 2025
              protocol)
            </span>
          </label>
          <label htmlFor="policy-cimd">Client metadata documents (Claude.ai, Claude Code)</label>
          <select id="policy-cimd" name="cimdMode" defaultValue={policy.cimdMode}>
            <option value="any">Allow any public https host unless blocked</option>
            <option value="listed">Allow only the hosts listed below</option>
          </select>
          <div className="actions">
            <button type="submit">Save policy</button>
          </div>
        </form>
      )}
      <h3>Host rules</h3>
      <ErrorNotice error={ruleError} />
      <table>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Rule</th>
            <th scope="col">
              <span className="muted">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {policy?.hostRules.map((rule) => (
            <tr key={rule.host} data-host={rule.host}>
              <td>
                <code>{rule.host}</code>
              </td>
              <td>{rule.rule}</td>
              <td>
                <button type="button" className="secondary small" onClick={() => void removeRule(rule.host)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
          {policy && policy.hostRules.length === 0 && (
            <tr>
              <td colSpan={3} className="muted">
                No host rules.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <form onSubmit={(event) => void addRule(event)} noValidate>
        <label htmlFor="rule-host">Host</label>
        <input
          id="rule-host"
          name="host"
          required
          placeholder="claude.ai"
          aria-describedby="rule-host-error"
        />
        <FieldMessage id="rule-host" error={ruleError} field="host" />
        <label htmlFor="rule-kind">Rule</label>
        <select id="rule-kind" name="rule" defaultValue="allow">
          <option value="allow">Allow</option>
          <option value="block">Block</option>
        </select>
        <div className="actions">
          <button type="submit">Add rule</button>
        </div>
      </form>
    </section>
  );
}
