// RustyDB's GraphiQL page: a fetcher for POST /graphql and the websocket
// subscriptions at /graphql/ws, both sending the API token typed into the bar
// (kept in sessionStorage; `#token=...` in the URL also sets it, and `&run` after it
// runs the query in the editor once the page is up). `?query=...` prefills the editor.
(function () {
  var input = document.getElementById('token');
  var fromHash = /^#token=([^&]+)(&run)?$/.exec(window.location.hash);
  if (fromHash) {
    sessionStorage.setItem('rustydb_token', decodeURIComponent(fromHash[1]));
  }
  input.value = sessionStorage.getItem('rustydb_token') || '';
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  function render() {
    var token = input.value.trim();
    var auth = token ? { Authorization: 'Bearer ' + token } : {};
    var ws = (window.location.protocol === 'https:' ? 'wss://' : 'ws://') +
      window.location.host + '/graphql/ws';
    var fetcher = GraphiQL.createFetcher({
      url: window.location.origin + '/graphql',
      subscriptionUrl: ws,
      headers: auth,
      wsConnectionParams: auth
    });
    var linked = new URLSearchParams(window.location.search).get('query');
    root.render(React.createElement(GraphiQL, {
      key: token,
      fetcher: fetcher,
      query: linked || undefined,
      defaultQuery: '{\n  serverInfo {\n    version\n    uptime\n    activeConnections\n  }\n}\n'
    }));
  }
  input.addEventListener('change', function () {
    sessionStorage.setItem('rustydb_token', input.value.trim());
    render();
  });
  render();
  if (fromHash && fromHash[2]) {
    var tries = 0;
    var timer = setInterval(function () {
      var button = document.querySelector('.graphiql-execute-button');
      tries += 1;
      if (button || tries > 100) {
        clearInterval(timer);
        if (button) {
          button.click();
        }
      }
    }, 100);
  }
})();
