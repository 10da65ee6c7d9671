"""`/api/settings`, `/api/settings/test-connection`, `/api/llm/*`: shapes, admin-only writes, validation,
all-or-nothing saves, key sealing and reuse rules, SSRF refusals, the live switch."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager

from sceneintruder.app import create_app
from sceneintruder.core.principal import Role
from tests.settings.conftest import KEY, openai_settings
from tests.support.builders import assert_error, bearer, make_user, token_for


async def test_defaults_have_the_reference_shape_and_the_offline_provider(client) -> None:
    response = await client.get("/api/settings")
    assert response.status_code == 200 and response.json()["message"] == "设置获取成功"
    data = response.json()["data"]
    assert {
        "llm_provider",
        "debug_mode",
        "port",
        "llm_config",
        "vision_provider",
        "vision_default_model",
        "vision_config",
        "vision_model_providers",
        "vision_models",
        "video_provider",
        "video_default_model",
        "video_config",
        "video_model_providers",
        "video_models",
    } <= set(data)
    # The offline provider is active: the settings page shows it, not its first entry (OpenAI) with no key.
    assert data["llm_provider"] == "builtin" and data["llm_config"] == {"has_api_key": False, "model": "builtin"}
    assert (data["vision_provider"], data["vision_default_model"]) == ("placeholder", "placeholder")
    assert (data["video_provider"], data["video_default_model"]) == ("dashscope", "wan2.6-i2v-flash")
    # The reference's default video vendor has no key here: said so, and the film is made offline (8.18).
    assert data["video_provider_ready"] is False and data["video_provider_state"] == "missing: api_key"
    assert data["vision_provider_ready"] is True
    assert {m["key"] for m in data["vision_models"]} >= {"sd", "placeholder", "gpt-image-1.5"}
    assert next(m for m in data["vision_models"] if m["key"] == "sd")["supports_reference_image"] is True
    assert data["video_models"][0] == {
        "key": "wan2.6-i2v-flash",
        "label": "Wan 2.6 I2V Flash",
        "provider": "dashscope",
        "supports_image_conditioned": True,
    }
    assert data["llm_active_provider"] == "builtin"


async def test_llm_status_reports_the_offline_provider_as_ready(client) -> None:
    body = (await client.get("/api/llm/status")).json()
    assert body["message"] == "LLM状态获取成功"
    assert body["data"] == {
        "ready": True,
        "status": "Ready",
        "provider": "builtin",
        "config": {"provider": "builtin", "has_api_key": False, "model": "builtin"},
        "source": "builtin",
        "fallbacks": [],
        "offline": True,
        "json_mode": "offline",
        "context_window": 0,  # no model: no window to report
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/settings", {"llm_provider": "builtin"}),
        ("PUT", "/api/llm/config", {"provider": "openai", "config": {"api_key": "x"}}),
        ("POST", "/api/settings/test-connection", {}),
    ],
)
async def test_writes_need_an_administrator(client, user, method, path, body) -> None:
    assert_error(await client.request(method, path, json=body), 401, "UNAUTHORIZED")
    assert_error(await client.request(method, path, json=body, headers=user), 403, "FORBIDDEN")


async def test_save_seals_the_key_switches_the_live_provider_and_never_returns_the_key(
    client, admin, openai_fake
) -> None:
    fake, base = openai_fake
    saved = await client.post("/api/settings", json=openai_settings(base, organization="org-1"), headers=admin)
    assert saved.status_code == 200 and saved.json() == {**saved.json(), "data": None, "message": "设置保存成功"}
    got = await client.get("/api/settings")
    assert KEY not in got.text
    config = got.json()["data"]["llm_config"]
    assert config == {
        "base_url": base,
        "organization": "org-1",
        "default_model": "gpt-4.1",
        "model": "gpt-4.1",
        "has_api_key": True,
    }
    status = (await client.get("/api/llm/status")).json()["data"]
    assert (status["ready"], status["provider"], status["source"]) == (True, "openai", "settings")
    assert status["config"] == {"provider": "openai", "has_api_key": True, "model": "gpt-4.1"}
    for path in ("/api/llm/status", "/api/config/health", "/api/llm/models?provider=openai"):
        assert KEY not in (await client.get(path)).text
    assert KEY not in (await client.get("/api/config/metrics", headers=admin)).text
    probe = await client.post("/api/settings/test-connection", json={}, headers=admin)
    assert probe.status_code == 200 and probe.json()["message"] == "连接测试成功"
    assert probe.json()["data"]["mode"] == "saved_config" and probe.json()["data"]["provider"] == "openai"
    seen = fake.requests[-1]
    assert seen.headers["authorization"] == f"Bearer {KEY}" and seen.headers["openai-organization"] == "org-1"
    assert seen.body["messages"] == [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Hello"},
    ]
    assert (seen.body["temperature"], seen.body["max_completion_tokens"]) == (0.1, 5)


async def test_the_stored_key_is_reused_for_the_same_url_but_never_for_a_new_one(client, admin, openai_fake) -> None:
    fake, base = openai_fake
    await client.post("/api/settings", json=openai_settings(base), headers=admin)
    same = {"llm_provider": "openai", "llm_config": {"base_url": base, "default_model": "gpt-4o"}}
    assert (await client.post("/api/settings", json=same, headers=admin)).status_code == 200
    await client.post("/api/settings/test-connection", json={}, headers=admin)
    assert fake.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert fake.requests[-1].body["model"] == "gpt-4o"
    elsewhere = {"llm_provider": "openai", "llm_config": {"base_url": "http://127.0.0.1:9/v1"}}
    body = assert_error(await client.post("/api/settings", json=elsewhere, headers=admin), 400, "LLM_CONFIG_INVALID")
    assert "a stored key is never sent to a new address" in body["error"]["details"]
    put = await client.put(
        "/api/llm/config", json={"provider": "openai", "config": elsewhere["llm_config"]}, headers=admin
    )
    assert_error(put, 400, "LLM_CONFIG_INVALID")
    other_vendor = {"llm_provider": "deepseek", "llm_config": {"base_url": base}}
    assert_error(await client.post("/api/settings", json=other_vendor, headers=admin), 400, "LLM_CONFIG_INVALID")
    config = (await client.get("/api/settings")).json()["data"]["llm_config"]
    assert config["base_url"] == base and config["has_api_key"] is True  # unchanged


@pytest.mark.parametrize(
    ("base_url", "why"),
    [
        ("http://169.254.169.254/v1", "link-local"),
        ("https://metadata.google.internal/v1", "metadata"),
        ("http://[fe80::1]/v1", "link-local"),
        ("ftp://127.0.0.1/v1", "https"),
    ],
)
async def test_ssrf_targets_are_refused(client, admin, base_url, why) -> None:
    body = {"llm_provider": "openai", "llm_config": {"api_key": KEY, "base_url": base_url}}
    error = assert_error(await client.post("/api/settings", json=body, headers=admin), 400, "LLM_CONFIG_INVALID")
    assert why in error["error"]["details"]


async def test_private_addresses_need_the_flag(make_settings) -> None:
    app = create_app(make_settings())
    async with LifespanManager(app):
        await make_user(app, "root", role=Role.ADMIN)
        headers = bearer(token_for(app, "root"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            refused = await c.post("/api/settings", json=openai_settings("http://10.0.0.5/v1"), headers=headers)
            loopback = await c.post("/api/settings", json=openai_settings("https://127.0.0.1/v1"), headers=headers)
            local = {"llm_provider": "ollama", "llm_config": {"base_url": "http://127.0.0.1:11434"}}
            ollama = await c.post("/api/settings", json=local, headers=headers)
    assert "ALLOW_PRIVATE_PROVIDER_URLS" in assert_error(refused, 400, "LLM_CONFIG_INVALID")["error"]["details"]
    assert_error(loopback, 400, "LLM_CONFIG_INVALID")
    assert ollama.status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"llm_provider": "skynet", "llm_config": {"api_key": "x"}}, "LLM_CONFIG_INVALID"),
        ({"llm_provider": "openai", "llm_config": {"default_model": "gpt-4.1"}}, "LLM_CONFIG_INVALID"),
        ({"llm_provider": "openai_compatible", "llm_config": {"default_model": "x"}}, "LLM_CONFIG_INVALID"),
        ({"llm_provider": "openai", "llm_config": "not a map"}, "BAD_REQUEST"),
        ({"llm_provider": 5}, "BAD_REQUEST"),
        ({"vision_provider": "picasso"}, "LLM_CONFIG_INVALID"),
        ({"vision_provider": "dashscope", "vision_config": {"api_key": "k"}}, "LLM_CONFIG_INVALID"),
        ({"video_provider": "kling", "video_config": {}}, "LLM_CONFIG_INVALID"),
        ({"vision_models": [{"label": "no key"}]}, "BAD_REQUEST"),
        ({"video_models": "x"}, "BAD_REQUEST"),
        ({"llm_provider": "openai", "llm_config": {"api_key": "k" * 5000}}, "LLM_CONFIG_INVALID"),
    ],
)
async def test_invalid_saves_are_400_and_store_nothing(client, admin, body, code) -> None:
    before = (await client.get("/api/settings")).json()["data"]
    assert_error(await client.post("/api/settings", json=body, headers=admin), 400, code)
    assert (await client.get("/api/settings")).json()["data"] == before


async def test_a_save_is_all_or_nothing(client, admin, openai_fake) -> None:
    _, base = openai_fake
    body = {**openai_settings(base), "video_provider": "bogus", "vision_provider": "placeholder"}
    assert_error(await client.post("/api/settings", json=body, headers=admin), 400, "LLM_CONFIG_INVALID")
    data = (await client.get("/api/settings")).json()["data"]
    assert data["llm_provider"] == "builtin" and data["llm_active_provider"] == "builtin"


async def test_vision_and_video_sections_and_catalogs_are_stored_and_masked(client, admin) -> None:
    body = {
        "vision_provider": "glm",
        "vision_config": {"endpoint": "https://open.bigmodel.cn/api/paas/v4", "api_key": "vk-1", "size": 1024},
        "vision_model_providers": {"glm-image": "glm"},
        "vision_models": [{"key": "glm-image", "label": "GLM", "provider": "glm"}],
        "video_provider": "dashscope",
        "video_config": {
            "endpoint": "https://dashscope.aliyuncs.com/api/v1",
            "api_key": "dk-1",
            "public_base_url": "https://studio.example",
            "access_token": "tok-1",
        },
    }
    assert (await client.post("/api/settings", json=body, headers=admin)).status_code == 200
    response = await client.get("/api/settings")
    for secret in ("vk-1", "dk-1", "tok-1"):
        assert secret not in response.text
    data = response.json()["data"]
    assert data["vision_default_model"] == "glm-image"
    assert data["vision_config"] == {
        "endpoint": "https://open.bigmodel.cn/api/paas/v4",
        "size": "1024",
        "has_api_key": True,
    }
    assert data["vision_models"] == [
        {"key": "glm-image", "label": "GLM", "provider": "glm", "supports_reference_image": False}
    ]
    assert data["vision_model_providers"] == {"glm-image": "glm"}
    assert data["video_config"]["has_api_key"] is True and data["video_config"]["has_access_token"] is True
    assert data["video_config"]["public_base_url"] == "https://studio.example"
    assert data["llm_provider"] == "builtin"  # untouched: still the offline provider


async def test_put_llm_config_takes_strings_only_and_switches_live(client, admin, openai_fake) -> None:
    fake, base = openai_fake
    number = {"provider": "openai", "config": {"api_key": KEY, "temperature": 0.5}}
    assert_error(await client.put("/api/llm/config", json=number, headers=admin), 400, "BAD_REQUEST")
    assert_error(await client.put("/api/llm/config", json={"config": {}}, headers=admin), 400, "BAD_REQUEST")
    put = {"provider": "openai", "config": {"api_key": KEY, "base_url": base, "default_model": "gpt-4o-mini"}}
    response = await client.put("/api/llm/config", json=put, headers=admin)
    assert response.status_code == 200 and response.json()["message"] == "LLM配置更新成功"
    assert (await client.get("/api/llm/status")).json()["data"]["provider"] == "openai"
    keep_key = {"provider": "openai", "config": {"base_url": base, "default_model": "gpt-4.1-mini"}}
    assert (await client.put("/api/llm/config", json=keep_key, headers=admin)).status_code == 200
    await client.post("/api/settings/test-connection", headers=admin)
    assert fake.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert fake.requests[-1].body["model"] == "gpt-4.1-mini"


async def test_back_to_the_offline_provider(client, admin, openai_fake) -> None:
    _, base = openai_fake
    await client.post("/api/settings", json=openai_settings(base), headers=admin)
    assert (await client.post("/api/settings", json={"llm_provider": "builtin"}, headers=admin)).status_code == 200
    status = (await client.get("/api/llm/status")).json()["data"]
    assert status["provider"] == "builtin" and status["ready"] is True


async def test_models_list(client, admin, openai_fake) -> None:
    missing = assert_error(await client.get("/api/llm/models"), 400, "BAD_REQUEST")
    assert missing["error"]["message"] == "缺少提供商参数"
    unknown = assert_error(await client.get("/api/llm/models?provider=skynet"), 400, "BAD_REQUEST")
    assert unknown["error"] == {"code": "BAD_REQUEST", "message": "不支持的LLM提供商", "details": "skynet"}
    body = (await client.get("/api/llm/models?provider=anthropic")).json()
    assert body["message"] == "模型列表获取成功"
    assert body["data"] == {"provider": "anthropic", "models": ["claude-haiku-4-5", "claude-sonnet-4-5"], "count": 2}
    _, base = openai_fake
    custom = openai_settings(base, custom_models='["ft:gpt-4.1:studio"]')
    await client.post("/api/settings", json=custom, headers=admin)
    models = (await client.get("/api/llm/models?provider=openai")).json()["data"]["models"]
    assert models[-1] == "ft:gpt-4.1:studio" and len(models) == 5


async def test_connection_test_with_a_temporary_config(client, admin, openai_fake) -> None:
    fake, base = openai_fake
    ok = await client.post(
        "/api/settings/test-connection",
        json={"provider": "openai", "llm_config": {"api_key": KEY, "base_url": base}},
        headers=admin,
    )
    assert ok.status_code == 200
    assert {k: ok.json()["data"][k] for k in ("provider", "status", "test", "mode")} == {
        "provider": "openai",
        "status": "connected",
        "test": "passed",
        "mode": "temporary_config",
    }
    missing_key = {"provider": "openai", "llm_config": {"base_url": base}}
    assert_error(
        await client.post("/api/settings/test-connection", json=missing_key, headers=admin), 400, "INVALID_CONFIG"
    )
    fake.plan("401")
    failed = await client.post(
        "/api/settings/test-connection",
        json={"provider": "openai", "llm_config": {"api_key": "sk-wrong", "base_url": base}},
        headers=admin,
    )
    body = assert_error(failed, 503, "CONNECTION_TEST_FAILED")
    assert body["error"]["details"]["kind"] == "auth" and "Incorrect API key" not in failed.text
    ssrf = {"provider": "openai", "llm_config": {"api_key": KEY, "base_url": "http://169.254.169.254"}}
    assert_error(await client.post("/api/settings/test-connection", json=ssrf, headers=admin), 400, "INVALID_CONFIG")
    builtin = await client.post("/api/settings/test-connection", headers=admin)
    assert builtin.json()["data"]["provider"] == "builtin" and builtin.json()["data"]["mode"] == "saved_config"


@pytest.mark.parametrize(
    "body",
    [
        {"provider": 5, "llm_config": {}},
        {"provider": "openai", "llm_config": "x"},
        {"provider": "skynet", "llm_config": {"api_key": "k"}},
    ],
)
async def test_connection_test_rejects_bad_input(client, admin, body) -> None:
    response = await client.post("/api/settings/test-connection", json=body, headers=admin)
    assert response.status_code == 400 and response.json()["error"]["code"] in ("BAD_REQUEST", "INVALID_CONFIG")


async def test_an_upstream_failure_reaches_api_callers_as_a_typed_error(client, admin, openai_fake) -> None:
    fake, base = openai_fake
    await client.post("/api/settings", json=openai_settings(base), headers=admin)
    fake.plan("429", "429", "429")
    fake.retry_after = "0"
    failed = await client.post("/api/settings/test-connection", headers=admin)
    body = assert_error(failed, 503, "CONNECTION_TEST_FAILED")
    assert body["error"]["details"] == {
        "kind": "rate_limit",
        "provider": "openai",
        "model": "gpt-4.1",
        "retryable": True,
        "vendor_code": "rate_limit_exceeded",
    }


async def test_the_settings_page_tests_the_offline_provider_it_shows(client, admin) -> None:
    """The page loads `llm_provider` and sends it to test-connection as is."""
    shown = (await client.get("/api/settings")).json()["data"]
    response = await client.post(
        "/api/settings/test-connection", json={"provider": shown["llm_provider"], "llm_config": {}}, headers=admin
    )
    assert response.status_code == 200, response.text
    models = (await client.get(f"/api/llm/models?provider={shown['llm_provider']}")).json()["data"]
    assert "builtin" in str(models)
