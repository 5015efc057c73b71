import { describe, expect, it } from 'vitest';
import { formatKubernetesId, parseKubernetesSpec } from '../../../src/targets/kubernetes/spec.js';

const none = {
  namespace: undefined,
  container: undefined,
  context: undefined,
  kubeconfig: undefined,
  connectTimeoutMs: 15_000,
  session: true,
};

describe('parseKubernetesSpec', () => {
  it.each([
    ['web-1', { ...none, pod: 'web-1' }],
    ['web-1:app', { ...none, pod: 'web-1', container: 'app' }],
    ['prod/web-1', { ...none, pod: 'web-1', namespace: 'prod' }],
    ['prod/web-1:app', { ...none, pod: 'web-1', namespace: 'prod', container: 'app' }],
    ['prod/api.v2-7f9c', { ...none, pod: 'api.v2-7f9c', namespace: 'prod' }],
    ['k8s://web-1', { ...none, pod: 'web-1' }],
    ['k8s://prod/web-1', { ...none, pod: 'web-1', namespace: 'prod' }],
    ['k8s://prod/web-1/app', { ...none, pod: 'web-1', namespace: 'prod', container: 'app' }],
    [
      'k8s://prod/web-1/app?context=east',
      { ...none, pod: 'web-1', namespace: 'prod', container: 'app', context: 'east' },
    ],
  ])('reads the string %s', (spec, expected) => {
    expect(parseKubernetesSpec(spec)).toEqual(expected);
  });

  it.each([
    [{ pod: 'web-1' }, { ...none, pod: 'web-1' }],
    [
      { pod: 'web-1', namespace: 'prod', container: 'app', context: 'east', kubeconfig: '/tmp/kc' },
      { ...none, pod: 'web-1', namespace: 'prod', container: 'app', context: 'east', kubeconfig: '/tmp/kc' },
    ],
    [
      { pod: 'web-1', connectTimeout: '2s' as const },
      { ...none, pod: 'web-1', connectTimeoutMs: 2000 },
    ],
    [
      { pod: 'web-1', connectTimeout: 500 },
      { ...none, pod: 'web-1', connectTimeoutMs: 500 },
    ],
  ])('reads the object %j', (spec, expected) => {
    expect(parseKubernetesSpec(spec)).toEqual(expected);
  });

  it.each([
    '',
    'a/b/c',
    'prod/',
    '/web',
    'web:',
    'Web',
    'web_1',
    'prod/web:App',
    'prod/web:a:b',
    'k8s://',
    'k8s://prod//app',
    'k8s://a/b/c/d',
    'k8s://prod/web?user=x',
    'k8s://prod/web?context=',
    `${'a'.repeat(254)}`,
    `web:${'c'.repeat(64)}`,
  ])('rejects the string %j with a TypeError naming the spec', (spec) => {
    expect(() => parseKubernetesSpec(spec)).toThrow(TypeError);
    expect(() => parseKubernetesSpec(spec)).toThrow(/^Expected .+ in the Kubernetes target `.*`$/);
  });

  it.each([{ pod: 'UPPER' }, { pod: 'web', namespace: 'a/b' }, { pod: 'web', context: '' }])(
    'rejects the object %j with a TypeError',
    (spec) => {
      expect(() => parseKubernetesSpec(spec)).toThrow(TypeError);
    },
  );

  it('names the option and the value it got', () => {
    expect(() => parseKubernetesSpec('prod/Web')).toThrow(
      new TypeError(
        'Expected `pod` to be a DNS-1123 name, got `Web` (string) in the Kubernetes target `prod/Web`',
      ),
    );
  });

  it.each([
    null,
    42,
    {},
    { pod: 1 },
    { pod: 'web', container: 3 },
    { pod: 'web', connectTimeout: 'soon' },
    { pod: 'web', namepsace: 'typo' },
  ])('throws a TypeError for %j', (spec) => {
    expect(() => parseKubernetesSpec(spec as never)).toThrow(TypeError);
  });
});

describe('formatKubernetesId', () => {
  it.each([
    ['prod', 'web-1', 'app', 'k8s://prod/web-1/app'],
    ['default', 'web-1', undefined, 'k8s://default/web-1'],
  ])('names %s/%s/%s', (namespace, pod, container, id) => {
    expect(formatKubernetesId(namespace, pod, container)).toBe(id);
  });
});
