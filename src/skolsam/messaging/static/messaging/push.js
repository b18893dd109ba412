// Turn web push on for this browser or installed app: register the service worker, ask
// for permission (on the person's click), subscribe with Skolsam's VAPID key and send the
// subscription to Skolsam. No framework; the page works without it.
(function () {
  "use strict";
  var button = document.getElementById("push-on");
  var status = document.getElementById("push-status");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window)) {
    return;
  }
  button.hidden = false;

  function key(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  button.addEventListener("click", function () {
    var csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    navigator.serviceWorker.register(button.dataset.worker, { scope: button.dataset.scope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        return Notification.requestPermission().then(function (permission) {
          if (permission !== "granted") { throw new Error(button.dataset.denied); }
          return registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: key(button.dataset.key)
          });
        });
      })
      .then(function (subscription) {
        return fetch(button.dataset.subscribe, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify(subscription.toJSON())
        });
      })
      .then(function (response) {
        status.textContent = response.ok ? button.dataset.done : button.dataset.failed;
      })
      .catch(function (error) {
        status.textContent = error.message || button.dataset.failed;
      });
  });
})();
