"""vim.SessionManager on the wire: Login (which sets the session cookie), Logout, SessionIsActive, UpdateServiceMessage."""

from __future__ import annotations

from typing import Any

from vtasksim.domain.session_manager import SessionManager
from vtasksim.wire.models import RequiredMoRef, RequiredString, String
from vtasksim.wire.services import VimService, call_of, vim_method


class SessionManagerService(VimService):

    @vim_method(RequiredMoRef, RequiredString, RequiredString, String)
    def Login(ctx: Any, this: Any, userName: str, password: str, locale: str | None) -> Any:
        call = call_of(ctx)
        manager = call.target(this, SessionManager)
        ip_address, user_agent = call.peer()
        session = manager.login(userName, password, locale, ip_address, user_agent)
        call.session = session  # the call is now this user's (the request log names them)
        call.set_session_cookie(session.key)
        return call.reply(session.info, "UserSession")

    @vim_method(RequiredMoRef)
    def Logout(ctx: Any, this: Any) -> Any:
        call = call_of(ctx)
        manager = call.target(this, SessionManager)
        manager.logout(call.session)
        return call.reply()

    @vim_method(RequiredMoRef, RequiredString, RequiredString)
    def SessionIsActive(ctx: Any, this: Any, sessionID: str, userName: str) -> Any:
        call = call_of(ctx)
        manager = call.target(this, SessionManager)
        return call.reply(manager.session_is_active(sessionID, userName), "xsd:boolean")

    @vim_method(RequiredMoRef, RequiredString)
    def UpdateServiceMessage(ctx: Any, this: Any, message: str) -> Any:
        call = call_of(ctx)
        manager = call.target(this, SessionManager)
        manager.update_service_message(message)
        return call.reply()
