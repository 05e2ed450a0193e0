<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE" sourcelanguage="en">
<context>
    <name>ActivityLogModel</name>
    <message>
        <location filename="../../qt/log_viewer.py" line="59"/>
        <source>Time (UTC)</source>
        <translation>Zeit (UTC)</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="59"/>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="59"/>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="59"/>
        <source>Issuer</source>
        <translation>Aussteller</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="59"/>
        <source>Detail</source>
        <translation>Details</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="149"/>
        <source>Cannot read the activity log: {error}</source>
        <translation>Das Aktivitätsprotokoll kann nicht gelesen werden: {error}</translation>
    </message>
</context>
<context>
    <name>ActivityLogViewer</name>
    <message>
        <location filename="../../qt/log_viewer.py" line="74"/>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="75"/>
        <source>JSON lines (*.jsonl)</source>
        <translation>JSON Lines (*.jsonl)</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="420"/>
        <source>All events</source>
        <translation>Alle Ereignisse</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="423"/>
        <source>Event filter</source>
        <translation>Ereignisfilter</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="424"/>
        <source>Shows only the entries of this event.</source>
        <translation>Zeigt nur die Einträge dieses Ereignisses.</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="430"/>
        <source>any user</source>
        <translation>alle Benutzer</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="432"/>
        <source>User filter</source>
        <translation>Benutzerfilter</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="433"/>
        <source>Shows only this user&apos;s entries; known usernames complete as you type.</source>
        <translation>Zeigt nur die Einträge dieses Benutzers; bekannte Benutzernamen werden beim Tippen ergänzt.</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="446"/>
        <source>text in user or detail</source>
        <translation>Benutzer oder Details</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="448"/>
        <source>Text search</source>
        <translation>Textsuche</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="449"/>
        <source>Shows only the entries with this text in the user name or detail.</source>
        <translation>Zeigt nur die Einträge mit diesem Text im Benutzernamen oder in den Details.</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="454"/>
        <source>Clear the user filter</source>
        <translation>Benutzerfilter leeren</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="454"/>
        <source>Clear the text search</source>
        <translation>Textsuche leeren</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="462"/>
        <source>E&amp;xport…</source>
        <translation>E&amp;xportieren…</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="585"/>
        <source>Export activity log</source>
        <translation>Aktivitätsprotokoll exportieren</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="465"/>
        <source>Save the entries shown as CSV or JSON lines</source>
        <translation>Die angezeigten Einträge als CSV oder JSON Lines speichern</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="471"/>
        <source>Even&amp;t:</source>
        <translation>&amp;Ereignis:</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="471"/>
        <source>&amp;User:</source>
        <translation>Ben&amp;utzer:</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="471"/>
        <source>Sear&amp;ch:</source>
        <translation>Su&amp;che:</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="485"/>
        <source>Activity log</source>
        <translation>Aktivitätsprotokoll</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="486"/>
        <source>Newest first; moving down past the last row loads older entries.</source>
        <translation>Neueste zuerst; über die letzte Zeile hinaus nach unten werden ältere Einträge geladen.</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="507"/>
        <source>Activity log status</source>
        <translation>Status des Aktivitätsprotokolls</translation>
    </message>
    <message numerus="yes">
        <location filename="../../qt/log_viewer.py" line="572"/>
        <source>Showing {shown} entries</source>
        <translation>
            <numerusform>{shown} Eintrag angezeigt</numerusform>
            <numerusform>{shown} Einträge angezeigt</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../qt/log_viewer.py" line="574"/>
        <source>Showing {shown} of {total} entries</source>
        <translation>
            <numerusform>{shown} von {total} Eintrag angezeigt</numerusform>
            <numerusform>{shown} von {total} Einträgen angezeigt</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="577"/>
        <source>{status} (loading…)</source>
        <translation>{status} (wird geladen…)</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="604"/>
        <source>Exporting to {file}…</source>
        <translation>Export nach {file}…</translation>
    </message>
    <message>
        <location filename="../../qt/log_viewer.py" line="620"/>
        <source>Export failed: {error}</source>
        <translation>Export fehlgeschlagen: {error}</translation>
    </message>
    <message numerus="yes">
        <location filename="../../qt/log_viewer.py" line="624"/>
        <source>Exported {count} entries to {path}</source>
        <translation>
            <numerusform>{count} Eintrag nach {path} exportiert</numerusform>
            <numerusform>{count} Einträge nach {path} exportiert</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ActivityRecorder</name>
    <message>
        <location filename="../../qt/activity.py" line="96"/>
        <source>The activity log cannot be written: {error}. The app works without it; this session&apos;s sign-ins are not recorded.</source>
        <translation>Das Aktivitätsprotokoll kann nicht geschrieben werden: {error}. Die App funktioniert ohne es; die Anmeldungen dieser Sitzung werden nicht aufgezeichnet.</translation>
    </message>
    <message>
        <location filename="../../qt/activity.py" line="105"/>
        <source>The activity log could not be read and was kept aside; a new one was started. {details}</source>
        <translation>Das Aktivitätsprotokoll konnte nicht gelesen werden und wurde beiseitegelegt; ein neues wurde begonnen. {details}</translation>
    </message>
    <message>
        <location filename="../../qt/activity.py" line="138"/>
        <source>The activity log {path} cannot record events right now: {error}. The app keeps working and every entry recorded before is kept.</source>
        <translation>Das Aktivitätsprotokoll {path} kann gerade keine Ereignisse aufzeichnen: {error}. Die App arbeitet weiter, und alle bisher aufgezeichneten Einträge bleiben erhalten.</translation>
    </message>
    <message>
        <location filename="../../qt/activity.py" line="143"/>
        <source>Free some disk space and the next events are recorded again.</source>
        <translation>Geben Sie Speicherplatz frei, dann werden die nächsten Ereignisse wieder aufgezeichnet.</translation>
    </message>
    <message>
        <location filename="../../qt/activity.py" line="171"/>
        <source>The activity log {path} fails its integrity check: {reason}. It is kept unchanged as evidence and new events are added after it; &apos;desktop-auth-cli log verify&apos; names the first bad entry.</source>
        <translation>Das Aktivitätsprotokoll {path} besteht die Integritätsprüfung nicht: {reason}. Es bleibt als Beweis unverändert erhalten, und neue Ereignisse werden angehängt; „desktop-auth-cli log verify“ nennt den ersten fehlerhaften Eintrag.</translation>
    </message>
</context>
<context>
    <name>ApiPages</name>
    <message>
        <location filename="../../app/api_pages.py" line="104"/>
        <source>Local sample content: no documents service is set up (start with --api URL). Changes are not saved.</source>
        <translation>Lokale Beispielinhalte: Es ist kein Dokumentendienst eingerichtet (mit --api URL starten). Änderungen werden nicht gespeichert.</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="122"/>
        <source>Loading documents…</source>
        <translation>Dokumente werden geladen…</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="125"/>
        <source>Loading figures…</source>
        <translation>Kennzahlen werden geladen…</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="142"/>
        <source>These are local sample documents; changes need a documents service (start with --api URL).</source>
        <translation>Dies sind lokale Beispieldokumente; Änderungen brauchen einen Dokumentendienst (mit --api URL starten).</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="157"/>
        <source>Write the new document&apos;s title on the first line of the editor.</source>
        <translation>Schreiben Sie den Titel des neuen Dokuments in die erste Zeile des Editors.</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="182"/>
        <source>Saving “{title}”…</source>
        <translation>„{title}“ wird gespeichert…</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="173"/>
        <source>Select the document to change first (arrow keys in the list).</source>
        <translation>Wählen Sie zuerst das zu ändernde Dokument aus (Pfeiltasten in der Liste).</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="178"/>
        <source>Write the document&apos;s title on the first line of the editor.</source>
        <translation>Schreiben Sie den Titel des Dokuments in die erste Zeile des Editors.</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="194"/>
        <source>Select the document to delete first (arrow keys in the list).</source>
        <translation>Wählen Sie zuerst das zu löschende Dokument aus (Pfeiltasten in der Liste).</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="208"/>
        <source>Saved “{title}”.</source>
        <translation>„{title}“ gespeichert.</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="215"/>
        <source>Document deleted.</source>
        <translation>Dokument gelöscht.</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="278"/>
        <source>Your text is still in the editor.</source>
        <translation>Ihr Text steht weiterhin im Editor.</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="287"/>
        <source>your account may not change documents</source>
        <translation>Ihr Konto darf keine Dokumente ändern</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="289"/>
        <source>your account may not view reports</source>
        <translation>Ihr Konto darf keine Berichte ansehen</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="291"/>
        <source>your account may not read documents</source>
        <translation>Ihr Konto darf keine Dokumente lesen</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="292"/>
        <source>The documents service refused: {what} ({permission}).</source>
        <translation>Der Dokumentendienst hat abgelehnt: {what} ({permission}).</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="296"/>
        <source>The documents service did not accept your sign-in ({reason}). Sign out and sign in again.</source>
        <translation>Der Dokumentendienst hat Ihre Anmeldung nicht akzeptiert ({reason}). Melden Sie sich ab und erneut an.</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="301"/>
        <source>The documents service did not accept the request: {reason}</source>
        <translation>Der Dokumentendienst hat die Anfrage nicht angenommen: {reason}</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="305"/>
        <source>The documents service cannot be reached securely: {reason}</source>
        <translation>Der Dokumentendienst ist nicht sicher erreichbar: {reason}</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="307"/>
        <source>The documents service cannot be reached: {reason}</source>
        <translation>Der Dokumentendienst ist nicht erreichbar: {reason}</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="309"/>
        <source>The documents service has a problem: {reason}</source>
        <translation>Der Dokumentendienst hat ein Problem: {reason}</translation>
    </message>
    <message>
        <location filename="../../app/api_pages.py" line="327"/>
        <source>{action} was not saved: your session ended. Unlock, then try again; your text is still in the editor.</source>
        <translation>„{action}“ wurde nicht gespeichert: Ihre Sitzung ist abgelaufen. Entsperren Sie und versuchen Sie es erneut; Ihr Text steht weiterhin im Editor.</translation>
    </message>
</context>
<context>
    <name>AuthController</name>
    <message>
        <location filename="../../qt/controller.py" line="56"/>
        <source>Sign-in cancelled.</source>
        <translation>Anmeldung abgebrochen.</translation>
    </message>
    <message>
        <location filename="../../qt/controller.py" line="60"/>
        <source>Sign-in failed because of an unexpected error in desktop-auth. Try again; if it keeps failing, report it with the application log.</source>
        <translation>Die Anmeldung ist wegen eines unerwarteten Fehlers in desktop-auth fehlgeschlagen. Versuchen Sie es erneut; wenn es weiterhin fehlschlägt, melden Sie den Fehler zusammen mit dem Anwendungsprotokoll.</translation>
    </message>
    <message>
        <location filename="../../qt/controller.py" line="71"/>
        <source>An unexpected {error} happened in desktop-auth.</source>
        <translation>In desktop-auth ist ein unerwarteter Fehler aufgetreten ({error}).</translation>
    </message>
    <message>
        <location filename="../../qt/controller.py" line="85"/>
        <source>Only {username} can unlock here. To use another account, choose &quot;Sign in as another user&quot;, which signs {username} out.</source>
        <translation>Nur {username} kann hier entsperren. Um ein anderes Konto zu verwenden, wählen Sie „Als anderer Benutzer anmelden“; dadurch wird {username} abgemeldet.</translation>
    </message>
    <message>
        <location filename="../../qt/controller.py" line="92"/>
        <source>You are signed out on this computer, but the identity server could not be told; your session there ends when it expires. {explanation}</source>
        <translation>Sie sind auf diesem Computer abgemeldet, aber der Identitätsserver konnte nicht benachrichtigt werden; Ihre Sitzung dort endet, wenn sie abläuft. {explanation}</translation>
    </message>
    <message>
        <location filename="../../qt/controller.py" line="462"/>
        <source>Could not renew your session; trying again in {seconds} s. {explanation}</source>
        <translation>Ihre Sitzung konnte nicht verlängert werden; neuer Versuch in {seconds} s. {explanation}</translation>
    </message>
</context>
<context>
    <name>DesktopApp</name>
    <message>
        <location filename="../../app/application.py" line="60"/>
        <source>another user signed in</source>
        <translation>ein anderer Benutzer hat sich angemeldet</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="157"/>
        <source>Starting the demo server…</source>
        <translation>Der Demo-Server wird gestartet…</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="159"/>
        <source>Identity server: {issuer}</source>
        <translation>Identitätsserver: {issuer}</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="344"/>
        <source>Checking the system keyring…</source>
        <translation>Der System-Schlüsselbund wird geprüft…</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="394"/>
        <source>The saved session of {username} could not be read: {reason}</source>
        <translation>Die gespeicherte Sitzung von {username} konnte nicht gelesen werden: {reason}</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="427"/>
        <source>This computer could not keep you signed in: {reason} You stay signed in until you quit; next time you will sign in again.</source>
        <translation>Dieser Computer kann Sie nicht angemeldet halten: {reason} Sie bleiben angemeldet, bis Sie die App beenden; beim nächsten Start melden Sie sich erneut an.</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="446"/>
        <source>The saved session of {username} could not be removed from the system keyring: {reason} Remove the entry {entry} there yourself.</source>
        <translation>Die gespeicherte Sitzung von {username} konnte nicht aus dem System-Schlüsselbund entfernt werden: {reason} Entfernen Sie den Eintrag {entry} dort selbst.</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="491"/>
        <source>System keyring</source>
        <translation>System-Schlüsselbund</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="538"/>
        <source>Demo server at {url}</source>
        <translation>Demo-Server unter {url}</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="543"/>
        <source>The demo server could not start.</source>
        <translation>Der Demo-Server konnte nicht starten.</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="544"/>
        <source>The demo server could not start ({error}). Restart the app, or use --issuer to sign in to another server.</source>
        <translation>Der Demo-Server konnte nicht starten ({error}). Starten Sie die App neu, oder melden Sie sich mit --issuer bei einem anderen Server an.</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="612"/>
        <source>A changed issuer, client id or CA bundle is used from the next start of desktop-auth; the idle lock and notifications change at once.</source>
        <translation>Geänderte Angaben zu Aussteller, Client-ID oder CA-Bundle gelten ab dem nächsten Start von desktop-auth; Sperre bei Inaktivität und Benachrichtigungen ändern sich sofort.</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="617"/>
        <source>This run uses --issuer {issuer} from the command line, which overrides these three settings.</source>
        <translation>Dieser Start verwendet --issuer {issuer} aus der Befehlszeile; das hat Vorrang vor diesen drei Einstellungen.</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="671"/>
        <source>Diagnostics copied</source>
        <translation>Diagnosedaten kopiert</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="671"/>
        <source>Paste them into your bug report; they hold no passwords or tokens.</source>
        <translation>Fügen Sie sie in Ihren Fehlerbericht ein; sie enthalten keine Passwörter oder Tokens.</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="694"/>
        <source>Signed in</source>
        <translation>Angemeldet</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="694"/>
        <source>Welcome, {name}.</source>
        <translation>Willkommen, {name}.</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="739"/>
        <source>Sign-in failed</source>
        <translation>Anmeldung fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="746"/>
        <source>You were signed out: {reason}</source>
        <translation>Sie wurden abgemeldet: {reason}</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="748"/>
        <source>Your saved session could not be restored: {reason}</source>
        <translation>Ihre gespeicherte Sitzung konnte nicht wiederhergestellt werden: {reason}</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="763"/>
        <source>Signed out</source>
        <translation>Abgemeldet</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="774"/>
        <source>Session expired</source>
        <translation>Sitzung abgelaufen</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="774"/>
        <source>Enter your password to continue where you were.</source>
        <translation>Geben Sie Ihr Passwort ein, um dort weiterzuarbeiten, wo Sie aufgehört haben.</translation>
    </message>
    <message>
        <location filename="../../qt/notifications.py" line="114"/>
        <source>Signed out on this computer only</source>
        <translation>Nur auf diesem Computer abgemeldet</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="827"/>
        <source>Not allowed</source>
        <translation>Nicht erlaubt</translation>
    </message>
    <message>
        <location filename="../../qt/notifications.py" line="104"/>
        <source>{action} requires the permission {permission}.</source>
        <translation>„{action}“ erfordert die Berechtigung {permission}.</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="481"/>
        <source>Activity log</source>
        <translation>Aktivitätsprotokoll</translation>
    </message>
    <message>
        <location filename="../../app/application.py" line="833"/>
        <source>Not saved</source>
        <translation>Nicht gespeichert</translation>
    </message>
</context>
<context>
    <name>DeviceCodePanel</name>
    <message>
        <location filename="../../qt/device_panel.py" line="49"/>
        <source>On your phone or another computer, open this address:</source>
        <translation>Öffnen Sie auf Ihrem Telefon oder einem anderen Computer diese Adresse:</translation>
    </message>
    <message>
        <location filename="../../qt/device_panel.py" line="61"/>
        <source>Address to open</source>
        <translation>Zu öffnende Adresse</translation>
    </message>
    <message>
        <location filename="../../qt/device_panel.py" line="62"/>
        <source>and enter this code:</source>
        <translation>und geben Sie diesen Code ein:</translation>
    </message>
    <message>
        <location filename="../../qt/device_panel.py" line="75"/>
        <source>Code to enter</source>
        <translation>Einzugebender Code</translation>
    </message>
    <message>
        <location filename="../../qt/device_panel.py" line="79"/>
        <source>QR code of the address</source>
        <translation>QR-Code der Adresse</translation>
    </message>
    <message>
        <location filename="../../qt/device_panel.py" line="80"/>
        <source>Scan it with a phone to open the address with the code filled in.</source>
        <translation>Scannen Sie ihn mit einem Telefon, um die Adresse mit bereits eingetragenem Code zu öffnen.</translation>
    </message>
</context>
<context>
    <name>EmbeddedServer</name>
    <message>
        <location filename="../../app/embedded.py" line="107"/>
        <source>The app is quitting; the demo server was not started.</source>
        <translation>Die App wird beendet; der Demo-Server wurde nicht gestartet.</translation>
    </message>
    <message>
        <location filename="../../app/embedded.py" line="139"/>
        <source>The demo server did not start in time; restart the app.</source>
        <translation>Der Demo-Server ist nicht rechtzeitig gestartet; starten Sie die App neu.</translation>
    </message>
    <message>
        <location filename="../../app/embedded.py" line="143"/>
        <source>The demo server could not start: {error}</source>
        <translation>Der Demo-Server konnte nicht starten: {error}</translation>
    </message>
</context>
<context>
    <name>LibraryMessages</name>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>The username or password is incorrect.</source>
        <translation>Benutzername oder Passwort ist falsch.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>Enter your username and password.</source>
        <translation>Geben Sie Ihren Benutzernamen und Ihr Passwort ein.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>Sign-in cancelled.</source>
        <translation>Anmeldung abgebrochen.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>This session holds no tokens to renew; sign in again.</source>
        <translation>Diese Sitzung enthält keine Tokens zum Verlängern; melden Sie sich erneut an.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>This session cannot be renewed (the server gave no refresh token); sign in again.</source>
        <translation>Diese Sitzung kann nicht verlängert werden (der Server hat kein Refresh-Token ausgegeben); melden Sie sich erneut an.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>The stored session is for another user than remembered.</source>
        <translation>Die gespeicherte Sitzung gehört zu einem anderen Benutzer als dem gespeicherten.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>connection refused (is the server running, and on that port?)</source>
        <translation>Verbindung abgelehnt (läuft der Server, und auf diesem Port?)</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>host name not found (check the issuer URL and your network)</source>
        <translation>Hostname nicht gefunden (prüfen Sie die Aussteller-URL und Ihr Netzwerk)</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>the connection was closed by the server</source>
        <translation>der Server hat die Verbindung geschlossen</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>The issuer URL must not have a query or fragment.</source>
        <translation>Die Aussteller-URL darf keine Abfrage (?…) und kein Fragment (#…) enthalten.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>The issuer URL must not contain spaces or control characters.</source>
        <translation>Die Aussteller-URL darf keine Leer- oder Steuerzeichen enthalten.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>The client id may hold only printable ASCII characters (letters, digits, punctuation and spaces).</source>
        <translation>Die Client-ID darf nur druckbare ASCII-Zeichen enthalten (Buchstaben, Ziffern, Satzzeichen und Leerzeichen).</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>No system keyring was found (such as GNOME Keyring, KWallet, the macOS Keychain or the Windows Credential Locker), so this computer cannot keep you signed in.</source>
        <translation>Es wurde kein System-Schlüsselbund gefunden (etwa GNOME Keyring, KWallet, der macOS-Schlüsselbund oder die Windows-Anmeldeinformationsverwaltung), daher kann dieser Computer Sie nicht angemeldet halten.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="22"/>
        <source>The system keyring is locked. Unlock it to stay signed in.</source>
        <translation>Der System-Schlüsselbund ist gesperrt. Entsperren Sie ihn, um angemeldet zu bleiben.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>Cannot reach {host}: {reason}</source>
        <translation>{host} ist nicht erreichbar: {reason}</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>no answer within {seconds} s</source>
        <translation>keine Antwort innerhalb von {seconds} s</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>The request to {host} failed: {reason}</source>
        <translation>Die Anfrage an {host} ist fehlgeschlagen: {reason}</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>{host} answered HTTP {status} {reason}{extra} for {url}: the server has a problem; try again later or tell its administrator.</source>
        <translation>{host} antwortete mit HTTP {status} {reason}{extra} auf {url}: Der Server hat ein Problem; versuchen Sie es später erneut oder wenden Sie sich an die Administration des Servers.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>TLS error talking to {host}: the certificate is for another host name ({detail}). Check the issuer URL.</source>
        <translation>TLS-Fehler bei der Verbindung mit {host}: Das Zertifikat gilt für einen anderen Hostnamen ({detail}). Prüfen Sie die Aussteller-URL.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>TLS error talking to {host}: the server&apos;s certificate is not valid now ({detail}). Check the server&apos;s certificate and this computer&apos;s clock.</source>
        <translation>TLS-Fehler bei der Verbindung mit {host}: Das Zertifikat des Servers ist derzeit nicht gültig ({detail}). Prüfen Sie das Zertifikat des Servers und die Uhr dieses Computers.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>TLS error talking to {host}: certificate not trusted: {detail}. If the server uses a private CA, pass its certificate with --ca-bundle.</source>
        <translation>TLS-Fehler bei der Verbindung mit {host}: Zertifikat nicht vertrauenswürdig: {detail}. Wenn der Server eine private CA verwendet, geben Sie deren Zertifikat mit --ca-bundle an.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>TLS error talking to {host}: {detail}. Check that the issuer URL is right and that the server speaks HTTPS on that port.</source>
        <translation>TLS-Fehler bei der Verbindung mit {host}: {detail}. Prüfen Sie, ob die Aussteller-URL stimmt und der Server auf diesem Port HTTPS spricht.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>Cannot use --ca-bundle {path}: {reason}. It must be a PEM file of CA certificates.</source>
        <translation>--ca-bundle {path} kann nicht verwendet werden: {reason}. Es muss eine PEM-Datei mit CA-Zertifikaten sein.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>The issuer must be an https:// URL such as https://id.example.com, not {url}.</source>
        <translation>Der Aussteller muss eine https://-URL wie https://id.example.com sein, nicht {url}.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>Refusing plain http:// for {host}: passwords and tokens would cross the network unencrypted. Use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost).</source>
        <translation>Unverschlüsseltes http:// für {host} wird abgelehnt: Passwörter und Tokens würden unverschlüsselt über das Netzwerk übertragen. Verwenden Sie https:// (http:// ist nur für 127.0.0.1, ::1 und localhost erlaubt).</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>The issuer URL has an invalid port: {text}.</source>
        <translation>Die Aussteller-URL hat einen ungültigen Port: {text}.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>The server at {issuer} calls itself {reported}; its tokens would be rejected. Use {reported} as the issuer URL if that is the server you mean.</source>
        <translation>Der Server unter {issuer} nennt sich {reported}; seine Tokens würden abgelehnt. Verwenden Sie {reported} als Aussteller-URL, wenn Sie diesen Server meinen.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>The client id must be at most {maximum} characters, not {length}.</source>
        <translation>Die Client-ID darf höchstens {maximum} Zeichen lang sein, nicht {length}.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>There is no file {path}.</source>
        <translation>Die Datei {path} gibt es nicht.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>{path} is a folder; choose a PEM file of CA certificates.</source>
        <translation>{path} ist ein Ordner; wählen Sie eine PEM-Datei mit CA-Zertifikaten.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>Cannot read {path}: {reason}.</source>
        <translation>{path} kann nicht gelesen werden: {reason}.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>{path} is too large to be a CA bundle.</source>
        <translation>{path} ist zu groß für ein CA-Bundle.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>{path} holds no PEM certificate (no -----BEGIN CERTIFICATE----- block).</source>
        <translation>{path} enthält kein PEM-Zertifikat (keinen Block -----BEGIN CERTIFICATE-----).</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>The certificates in {path} cannot be used: {reason}.</source>
        <translation>Die Zertifikate in {path} können nicht verwendet werden: {reason}.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>the settings file {path} could not be read ({error}); it was moved to {aside} and the default settings are used</source>
        <translation>Die Einstellungsdatei {path} konnte nicht gelesen werden ({error}); sie wurde nach {aside} verschoben, und die Standardeinstellungen werden verwendet.</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>The system keyring cannot be used ({error}).</source>
        <translation>Der System-Schlüsselbund kann nicht verwendet werden ({error}).</translation>
    </message>
    <message>
        <location filename="../../qt/library_messages.py" line="52"/>
        <source>The system keyring could not be used ({error}).</source>
        <translation>Der System-Schlüsselbund konnte nicht verwendet werden ({error}).</translation>
    </message>
</context>
<context>
    <name>LoginWindow</name>
    <message>
        <location filename="../../qt/login_window.py" line="894"/>
        <source>Sign in</source>
        <translation>Anmelden</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="250"/>
        <source>The identity server you sign in to</source>
        <translation>Der Identitätsserver, bei dem Sie sich anmelden</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="266"/>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="269"/>
        <source>&amp;Username</source>
        <translation>&amp;Benutzername</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="276"/>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="277"/>
        <source>Enter signs in.</source>
        <translation>Die Eingabetaste meldet an.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="281"/>
        <source>&amp;Password</source>
        <translation>&amp;Passwort</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="285"/>
        <source>Caps Lock is on.</source>
        <translation>Die Feststelltaste ist aktiviert.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="287"/>
        <source>Passwords are case-sensitive.</source>
        <translation>Bei Passwörtern wird zwischen Groß- und Kleinschreibung unterschieden.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="295"/>
        <source>Sho&amp;w password</source>
        <translation>Passwort an&amp;zeigen</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="297"/>
        <source>Shows the password as you type it.</source>
        <translation>Zeigt das Passwort beim Tippen an.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="302"/>
        <source>Stay si&amp;gned in</source>
        <translation>An&amp;gemeldet bleiben</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="664"/>
        <source>Sign-in message</source>
        <translation>Hinweis zur Anmeldung</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="317"/>
        <source>Signing in</source>
        <translation>Anmeldung läuft</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="318"/>
        <source>Esc cancels.</source>
        <translation>Esc bricht ab.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="323"/>
        <source>&amp;Sign in</source>
        <translation>&amp;Anmelden</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="326"/>
        <source>Enter signs in from any field.</source>
        <translation>Die Eingabetaste meldet aus jedem Feld an.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="356"/>
        <source>Sign in as &amp;another user</source>
        <translation>Als an&amp;derer Benutzer anmelden</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="359"/>
        <source>Signs the locked account out, so that another can sign in.</source>
        <translation>Meldet das gesperrte Konto ab, damit sich ein anderes anmelden kann.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="365"/>
        <source>Se&amp;ttings…</source>
        <translation>Eins&amp;tellungen…</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="370"/>
        <source>Identity server, idle lock and notifications (Ctrl+,)</source>
        <translation>Identitätsserver, Sperre bei Inaktivität und Benachrichtigungen (Strg+,)</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="486"/>
        <source>Remembered accounts</source>
        <translation>Gespeicherte Konten</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="465"/>
        <source>Enter chooses the highlighted account, Delete forgets it on this computer, Esc closes the list.</source>
        <translation>Die Eingabetaste wählt das markierte Konto, Entf vergisst es auf diesem Computer, Esc schließt die Liste.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="474"/>
        <source>Remembered accounts (Alt+Down)</source>
        <translation>Gespeicherte Konten (Alt+Pfeil nach unten)</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="487"/>
        <source>Lists the accounts remembered on this computer; Alt+Down in the username field.</source>
        <translation>Listet die auf diesem Computer gespeicherten Konten auf; Alt+Pfeil nach unten im Feld Benutzername.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="554"/>
        <source>&lt;b&gt;Demo server&lt;/b&gt; — running on this computer with these accounts:</source>
        <translation>&lt;b&gt;Demo-Server&lt;/b&gt; — läuft auf diesem Computer mit diesen Konten:</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="558"/>
        <source>Demo server accounts</source>
        <translation>Konten des Demo-Servers</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="560"/>
        <source>{username}, password {password}, roles {roles}</source>
        <translation>{username}, Passwort {password}, Rollen {roles}</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="560"/>
        <source>{username}, password {password}</source>
        <translation>{username}, Passwort {password}</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="610"/>
        <source>Keep you signed in on this computer (system keyring).</source>
        <translation>Hält Sie auf diesem Computer angemeldet (System-Schlüsselbund).</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="629"/>
        <source>{username} — stays signed in</source>
        <translation>{username} — bleibt angemeldet</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="630"/>
        <source>{username}, stays signed in</source>
        <translation>{username}, bleibt angemeldet</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="664"/>
        <source>Sign-in error</source>
        <translation>Anmeldefehler</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="702"/>
        <source>Enter your username.</source>
        <translation>Geben Sie Ihren Benutzernamen ein.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="708"/>
        <source>Enter your password.</source>
        <translation>Geben Sie Ihr Passwort ein.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="780"/>
        <source>Signing in as {username}…</source>
        <translation>Anmeldung als {username}…</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="868"/>
        <source>{app} — Locked</source>
        <translation>{app} — Gesperrt</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="869"/>
        <source>Locked</source>
        <translation>Gesperrt</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="876"/>
        <source>Enter the password of {username} to unlock.</source>
        <translation>Geben Sie das Passwort von {username} ein, um zu entsperren.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="900"/>
        <source>{app} — Sign in</source>
        <translation>{app} — Anmelden</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="933"/>
        <source>Down or Alt+Down lists the accounts remembered on this computer.</source>
        <translation>Pfeil nach unten oder Alt+Pfeil nach unten listet die auf diesem Computer gespeicherten Konten auf.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="984"/>
        <source>{username} is no longer remembered on this computer.</source>
        <translation>{username} ist auf diesem Computer nicht mehr gespeichert.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../qt/login_window.py" line="1016"/>
        <source>Too many sign-in attempts. Try again in %n second(s).</source>
        <translation>
            <numerusform>Zu viele Anmeldeversuche. Versuchen Sie es in %n Sekunde erneut.</numerusform>
            <numerusform>Zu viele Anmeldeversuche. Versuchen Sie es in %n Sekunden erneut.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="1033"/>
        <source>You can try signing in again.</source>
        <translation>Sie können die Anmeldung erneut versuchen.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="332"/>
        <source>Sign in with &amp;browser</source>
        <translation>Im &amp;Webbrowser anmelden</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="335"/>
        <source>Opens the identity server&apos;s own sign-in page in your web browser.</source>
        <translation>Öffnet die Anmeldeseite des Identitätsservers in Ihrem Webbrowser.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="338"/>
        <source>Use another &amp;device</source>
        <translation>Auf anderem G&amp;erät anmelden</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="341"/>
        <source>Shows a code to enter on your phone or another computer.</source>
        <translation>Zeigt einen Code, den Sie auf Ihrem Telefon oder einem anderen Computer eingeben.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="351"/>
        <source>Sign-in address</source>
        <translation>Anmeldeadresse</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="776"/>
        <source>Opening your web browser… Finish signing in there. Esc cancels.</source>
        <translation>Ihr Webbrowser wird geöffnet … Schließen Sie die Anmeldung dort ab. Esc bricht ab.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="778"/>
        <source>Asking the server for a code… Esc cancels.</source>
        <translation>Der Server wird nach einem Code gefragt … Esc bricht ab.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="811"/>
        <source>Finish signing in in your web browser; this window comes back by itself. Esc cancels.</source>
        <translation>Schließen Sie die Anmeldung in Ihrem Webbrowser ab; dieses Fenster kommt von selbst zurück. Esc bricht ab.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="819"/>
        <source>No web browser could be opened here. Open the address below in a browser yourself, or press Esc and use another device.</source>
        <translation>Hier konnte kein Webbrowser geöffnet werden. Öffnen Sie die Adresse unten selbst in einem Browser, oder drücken Sie Esc und melden Sie sich auf einem anderen Gerät an.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="830"/>
        <source>Waiting for you to approve the sign-in on the other device. Esc cancels.</source>
        <translation>Warten, bis Sie die Anmeldung auf dem anderen Gerät bestätigen. Esc bricht ab.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="718"/>
        <source>The username is too long: at most {limit} characters.</source>
        <translation>Der Benutzername ist zu lang: höchstens {limit} Zeichen.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="721"/>
        <source>The username contains a control character (such as a tab or a line break), perhaps pasted with it. Type it again.</source>
        <translation>Der Benutzername enthält ein Steuerzeichen (etwa einen Tabulator oder einen Zeilenumbruch), vielleicht mit eingefügt. Geben Sie ihn erneut ein.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="727"/>
        <source>The password is too long: at most {limit} characters.</source>
        <translation>Das Passwort ist zu lang: höchstens {limit} Zeichen.</translation>
    </message>
    <message>
        <location filename="../../qt/login_window.py" line="730"/>
        <source>The password contains a control character (such as a tab or a line break), perhaps pasted with it. Type it again.</source>
        <translation>Das Passwort enthält ein Steuerzeichen (etwa einen Tabulator oder einen Zeilenumbruch), vielleicht mit eingefügt. Geben Sie es erneut ein.</translation>
    </message>
</context>
<context>
    <name>MinutesSpinBox</name>
    <message>
        <location filename="../../qt/settings_dialog.py" line="74"/>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="75"/>
        <source> min</source>
        <translation> Min.</translation>
    </message>
</context>
<context>
    <name>Notice</name>
    <message>
        <location filename="../../qt/notifications.py" line="55"/>
        <source>Notification</source>
        <translation>Benachrichtigung</translation>
    </message>
</context>
<context>
    <name>PermissionGate</name>
    <message>
        <location filename="../../qt/permission_gate.py" line="22"/>
        <source>Requires permission: {permission}</source>
        <translation>Erfordert die Berechtigung: {permission}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../qt/settings_dialog.py" line="53"/>
        <source>The server could not be reached</source>
        <translation>Der Server war nicht erreichbar</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="54"/>
        <source>The secure connection failed</source>
        <translation>Die sichere Verbindung ist fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="55"/>
        <source>The server did not answer as an OpenID Connect server</source>
        <translation>Der Server hat nicht wie ein OpenID-Connect-Server geantwortet</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="58"/>
        <source>The server cannot be used</source>
        <translation>Der Server kann nicht verwendet werden</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="120"/>
        <source>desktop-auth — Settings</source>
        <translation>desktop-auth — Einstellungen</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="135"/>
        <source>Issuer URL</source>
        <translation>Aussteller-URL</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="138"/>
        <source>Client id</source>
        <translation>Client-ID</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="140"/>
        <source>CA bundle</source>
        <translation>CA-Bundle</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="141"/>
        <source>None: the system&apos;s certificates only</source>
        <translation>Keines: nur die Zertifikate des Systems</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="142"/>
        <source>&amp;Browse…</source>
        <translation>&amp;Durchsuchen…</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="144"/>
        <source>Choose a CA bundle file</source>
        <translation>CA-Bundle-Datei auswählen</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="146"/>
        <source>&amp;Test connection</source>
        <translation>Verbindung &amp;testen</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="148"/>
        <source>Checks the issuer URL and CA bundle as entered, as desktop-auth-cli doctor does.</source>
        <translation>Prüft Aussteller-URL und CA-Bundle wie eingegeben, so wie desktop-auth-cli doctor.</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="158"/>
        <source>Connection test result</source>
        <translation>Ergebnis des Verbindungstests</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="162"/>
        <source>Connection test details</source>
        <translation>Details des Verbindungstests</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="178"/>
        <source>Lock after this many idle minutes</source>
        <translation>Nach so vielen Minuten Inaktivität sperren</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="179"/>
        <source>0 or Never: do not lock when idle.</source>
        <translation>0 oder Nie: bei Inaktivität nicht sperren.</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="182"/>
        <source>Lock the app after this long without keyboard or mouse input.</source>
        <translation>Die App nach dieser Zeit ohne Tastatur- oder Mauseingabe sperren.</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="185"/>
        <source>Show &amp;notifications</source>
        <translation>Be&amp;nachrichtigungen anzeigen</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="187"/>
        <source>Sign-in, sign-out, expiry and refusals, as they happen.</source>
        <translation>Anmeldung, Abmeldung, Ablauf und Ablehnungen, sobald sie geschehen.</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="205"/>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="208"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="243"/>
        <source>Identity server</source>
        <translation>Identitätsserver</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="244"/>
        <source>&amp;Issuer URL</source>
        <translation>&amp;Aussteller-URL</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="245"/>
        <source>&amp;Client id</source>
        <translation>&amp;Client-ID</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="246"/>
        <source>C&amp;A bundle</source>
        <translation>CA-&amp;Bundle</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="263"/>
        <source>This computer</source>
        <translation>Dieser Computer</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="264"/>
        <source>&amp;Lock after</source>
        <translation>Sp&amp;erren nach</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="373"/>
        <source>The settings could not be saved: {reason}</source>
        <translation>Die Einstellungen konnten nicht gespeichert werden: {reason}</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="391"/>
        <source>Enter the issuer URL to test. Without one, the demo server on this computer is used.</source>
        <translation>Geben Sie die zu testende Aussteller-URL ein. Ohne sie wird der Demo-Server auf diesem Computer verwendet.</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="407"/>
        <source>Checking {issuer}…</source>
        <translation>{issuer} wird geprüft…</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="424"/>
        <source>Choose a CA bundle</source>
        <translation>CA-Bundle auswählen</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="424"/>
        <source>PEM certificates (*.pem *.crt *.cer);;All files (*)</source>
        <translation>PEM-Zertifikate (*.pem *.crt *.cer);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="469"/>
        <source>The server answered, but sign-in would fail:</source>
        <translation>Der Server hat geantwortet, aber die Anmeldung würde fehlschlagen:</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="473"/>
        <source>The server works with desktop-auth. Sign-in: {method}.</source>
        <translation>Der Server funktioniert mit desktop-auth. Anmeldung: {method}.</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="479"/>
        <source>{method} sign-in: {reason}.</source>
        <translation>Anmeldung über {method}: {reason}.</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="485"/>
        <source>Also offered: {methods}.</source>
        <translation>Außerdem angeboten: {methods}.</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="490"/>
        <source>Warning: {warning}.</source>
        <translation>Warnung: {warning}.</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="505"/>
        <source>{heading}. {message}</source>
        <translation>{heading}. {message}</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="505"/>
        <source>The test failed</source>
        <translation>Der Test ist fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../../qt/settings_dialog.py" line="513"/>
        <source>The test failed unexpectedly ({error}).</source>
        <translation>Der Test ist unerwartet fehlgeschlagen ({error}).</translation>
    </message>
</context>
<context>
    <name>WorkspaceWindow</name>
    <message>
        <location filename="../../app/workspace.py" line="48"/>
        <source>Quarterly plan</source>
        <translation>Quartalsplan</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="48"/>
        <source>Planning</source>
        <translation>Planung</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="48"/>
        <source>Onboarding checklist</source>
        <translation>Einarbeitungsplan</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="48"/>
        <source>People</source>
        <translation>Personal</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="48"/>
        <source>Release notes 0.1</source>
        <translation>Versionshinweise 0.1</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="48"/>
        <source>Engineering</source>
        <translation>Entwicklung</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="48"/>
        <source>Security review</source>
        <translation>Sicherheitsprüfung</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="48"/>
        <source>Budget draft</source>
        <translation>Budgetentwurf</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="48"/>
        <source>Finance</source>
        <translation>Finanzen</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="75"/>
        <source>Sign-ins this week</source>
        <translation>Anmeldungen diese Woche</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="75"/>
        <source>Documents edited</source>
        <translation>Bearbeitete Dokumente</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="75"/>
        <source>Active users</source>
        <translation>Aktive Benutzer</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="94"/>
        <source>no roles</source>
        <translation>keine Rollen</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="95"/>
        <source>Signed in as {name} ({roles})</source>
        <translation>Angemeldet als {name} ({roles})</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="208"/>
        <source>desktop-auth — Workspace</source>
        <translation>desktop-auth — Arbeitsbereich</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="221"/>
        <source>&amp;Lock</source>
        <translation>&amp;Sperren</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="224"/>
        <source>Sign &amp;out</source>
        <translation>&amp;Abmelden</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="227"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="230"/>
        <source>Se&amp;ttings…</source>
        <translation>Eins&amp;tellungen…</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="235"/>
        <source>&amp;New document</source>
        <translation>&amp;Neues Dokument</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="238"/>
        <source>&amp;Edit document</source>
        <translation>Dokument &amp;bearbeiten</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="241"/>
        <source>&amp;Delete document</source>
        <translation>Dokument &amp;löschen</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="248"/>
        <source>{action} ({shortcut})</source>
        <translation>{action} ({shortcut})</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="254"/>
        <source>&amp;Session</source>
        <translation>&amp;Sitzung</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="261"/>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="264"/>
        <source>Copy &amp;diagnostics</source>
        <translation>&amp;Diagnosedaten kopieren</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="266"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="270"/>
        <source>Edit</source>
        <translation>Bearbeiten</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="277"/>
        <source>Title</source>
        <translation>Titel</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="277"/>
        <source>Area</source>
        <translation>Bereich</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="277"/>
        <source>Updated</source>
        <translation>Geändert</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="318"/>
        <source>Documents</source>
        <translation>Dokumente</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="277"/>
        <source>Ctrl+N adds a document, Ctrl+E edits the selected one, Delete deletes it.</source>
        <translation>Strg+N fügt ein Dokument hinzu, Strg+E bearbeitet das ausgewählte, Entf löscht es.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="293"/>
        <source>Document text</source>
        <translation>Dokumenttext</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="300"/>
        <source>Write here…</source>
        <translation>Hier schreiben…</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="318"/>
        <source>Shared documents of your team.</source>
        <translation>Gemeinsame Dokumente Ihres Teams.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="340"/>
        <source>Reports</source>
        <translation>Berichte</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="325"/>
        <source>Figure</source>
        <translation>Kennzahl</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="325"/>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="346"/>
        <source>Administration</source>
        <translation>Verwaltung</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="346"/>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="346"/>
        <source>Roles</source>
        <translation>Rollen</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="346"/>
        <source>Users</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="346"/>
        <source>The accounts of the identity server and their roles.</source>
        <translation>Die Konten des Identitätsservers und ihre Rollen.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="346"/>
        <source>Accounts of the identity server. Change them with `desktop-auth-server user roles NAME r1,r2`.</source>
        <translation>Konten des Identitätsservers. Ändern Sie sie mit `desktop-auth-server user roles NAME r1,r2`.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="362"/>
        <source>The activity log is not available.</source>
        <translation>Das Aktivitätsprotokoll ist nicht verfügbar.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="366"/>
        <source>Activity log</source>
        <translation>Aktivitätsprotokoll</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="366"/>
        <source>What happened on this computer: sign-ins, failures, locks and sign-outs.</source>
        <translation>Was auf diesem Computer geschah: Anmeldungen, Fehlschläge, Sperren und Abmeldungen.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="378"/>
        <source>Workspace sections</source>
        <translation>Abschnitte des Arbeitsbereichs</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="380"/>
        <source>Alt+D Documents, Alt+R Reports, Alt+A Administration, Alt+L Activity log.</source>
        <translation>Alt+D Dokumente, Alt+R Berichte, Alt+V Verwaltung, Alt+P Aktivitätsprotokoll.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="385"/>
        <source>&amp;Documents</source>
        <translation>&amp;Dokumente</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="386"/>
        <source>&amp;Reports</source>
        <translation>Be&amp;richte</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="387"/>
        <source>&amp;Administration</source>
        <translation>&amp;Verwaltung</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="388"/>
        <source>Activity &amp;log</source>
        <translation>Aktivitäts&amp;protokoll</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="397"/>
        <source>Signed-in user</source>
        <translation>Angemeldeter Benutzer</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="403"/>
        <source>Roles of the signed-in user</source>
        <translation>Rollen des angemeldeten Benutzers</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="417"/>
        <source>Session status</source>
        <translation>Sitzungsstatus</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="83"/>
        <source>Areas</source>
        <translation>Bereiche</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="84"/>
        <source>Updated in the last 7 days</source>
        <translation>In den letzten 7 Tagen geändert</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="85"/>
        <source>Changed through the service</source>
        <translation>Über den Dienst geändert</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="294"/>
        <source>The first line is the document&apos;s title, the rest its text. What you write is kept while the workspace is locked.</source>
        <translation>Die erste Zeile ist der Titel des Dokuments, der Rest sein Text. Was Sie schreiben, bleibt erhalten, während der Arbeitsbereich gesperrt ist.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="313"/>
        <source>Where the documents come from</source>
        <translation>Woher die Dokumente stammen</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="325"/>
        <source>Figures about the documents.</source>
        <translation>Kennzahlen zu den Dokumenten.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="332"/>
        <source>Where the figures come from</source>
        <translation>Woher die Kennzahlen stammen</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="340"/>
        <source>Figures about your team&apos;s documents.</source>
        <translation>Kennzahlen zu den Dokumenten Ihres Teams.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="565"/>
        <source>Delete document</source>
        <translation>Dokument löschen</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="565"/>
        <source>Delete “{title}” for everyone? This cannot be undone.</source>
        <translation>„{title}“ für alle löschen? Das lässt sich nicht rückgängig machen.</translation>
    </message>
    <message>
        <location filename="../../app/workspace.py" line="575"/>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
</context>
</TS>
