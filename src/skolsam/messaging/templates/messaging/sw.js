// Skolsam's service worker: shows a pushed message's notice and opens it when tapped.
// The push payload holds only the subject, the sender and the link, never the message.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Skolsam", {
    body: data.body || "",
    icon: "{{ icon }}",
    data: { url: data.url || "{{ inbox }}" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
